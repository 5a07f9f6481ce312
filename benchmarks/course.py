"""A synthetic, seeded course: StudyApp deck files and the same notes as a CSV for Anki.

Cards look like the real decks: fronts of about 80 characters, backs of about 200, one to
three tags, one or two seed sources from ``resources/sources.yaml`` (plus ``cite`` and
``as_of`` in evidence decks), an ``extra`` on about a third. About 10% are cloze notes with
two deletions, 15% reversed, the rest basic. Deck files hold 1,000 entries each.

The CSV has one row per note with its Anki note type (``Basic``, ``Basic (and reversed
card)`` or ``Cloze``), so Anki makes exactly the cards StudyApp makes, a deck column
(``Bench::<deck id>``) and a tags column. The back field carries the back, the extra and the
source ids, so both sides store about the same text.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["CARDS_PER_FILE", "Course", "edit_one_card", "generate", "studyable_cards"]

CARDS_PER_FILE = 1000
REPO = Path(__file__).resolve().parent.parent
SOURCES_FILE = REPO / "resources" / "sources.yaml"

_WORDS = (
    "receptor serotonin agonist psilocybin session therapist integration preparation dose "
    "placebo trial remission depression anxiety trauma memory extinction network default mode "
    "plasticity dendritic spine cortex amygdala connectivity entropy ego dissolution mystical "
    "experience outcome follow-up week month participants randomised blinded phase efficacy "
    "safety adverse event blood pressure heart rate nausea headache challenging screening "
    "exclusion criteria bipolar psychosis family history lithium interaction monitoring "
    "setting music eyeshades dyad consent boundaries touch ethics supervision training "
    "expectancy alliance meaning insight avoidance rumination craving alcohol tobacco opioid "
    "ketamine esketamine glutamate NMDA AMPA BDNF mTOR synaptogenesis half-life metabolite "
    "psilocin prodrug entactogen oxytocin cortisol fear conditioning reconsolidation window"
).split()
_TAGS = (
    "serotonin psilocybin mdma lsd ketamine trials safety process ethics neuro memory "
    "plasticity regulation dosing screening integration preparation outcomes"
).split()
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_FAMILIES = ("mechanisms", "evidence", "terms", "process", "safety")


@dataclass(frozen=True)
class Course:
    """Where a generated course lives and what it holds."""

    folder: Path
    csv_path: Path
    notes: int
    cards: int
    files: int
    kinds: dict[str, int]


def _sources() -> tuple[list[str], list[str]]:
    data = yaml.safe_load(SOURCES_FILE.read_text(encoding="utf-8"))
    seeds = [s["id"] for s in data["sources"] if s["kind"] == "seed"]
    primary = [s["id"] for s in data["sources"] if s["kind"] != "seed"]
    return seeds, primary


def _sentence(rng: random.Random, length: int) -> str:
    words: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(_WORDS)
        words.append(word)
        size += len(word) + 1
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _question(rng: random.Random, index: int) -> str:
    return f"Q{index}: {_sentence(rng, 72)}?"


def _cloze(rng: random.Random) -> str:
    a, b = rng.choice(_WORDS), rng.choice(_WORDS)
    return (
        f"{_sentence(rng, 90)} {{{{c1::{a}}}}} {_sentence(rng, 90).lower()} "
        f"{{{{c2::{b}::a term}}}} {_sentence(rng, 60).lower()}."
    )


def _entry(rng: random.Random, index: int, family: str, seeds: list[str], primary: list[str]):
    roll = rng.random()
    kind = "cloze" if roll < 0.10 else "reversed" if roll < 0.25 else "basic"
    card: dict[str, object] = {"id": f"bench-{index:06d}", "type": kind}
    if kind == "cloze":
        card["text"] = _cloze(rng)
    else:
        card["front"] = _question(rng, index)
        card["back"] = _sentence(rng, 195) + "."
    if rng.random() < 0.33:
        card["extra"] = _sentence(rng, 140) + "."
    card["tags"] = sorted(set(rng.sample(_TAGS, rng.randint(1, 3))))
    card["source"] = sorted(set(rng.sample(seeds, rng.randint(1, 2))))
    if family == "evidence":
        card["cite"] = [rng.choice(primary)]
        card["as_of"] = rng.randint(2018, 2025)
    return card


def studyable_cards(card: dict[str, object]) -> int:
    return {"cloze": 2, "reversed": 2}.get(str(card["type"]), 1)


def _csv_row(card: dict[str, object], deck_id: str) -> list[str]:
    tags = " ".join(card["tags"])  # type: ignore[arg-type]
    deck = f"Bench::{deck_id}"
    sources = "Source: " + ", ".join(card["source"])  # type: ignore[arg-type]
    extra = str(card.get("extra", ""))
    if card["type"] == "cloze":
        return ["Cloze", str(card["text"]), f"{extra}<br>{sources}", tags, deck]
    notetype = "Basic (and reversed card)" if card["type"] == "reversed" else "Basic"
    back = f"{card['back']}<br><br>{extra}<br>{sources}"
    return [notetype, str(card["front"]), back, tags, deck]


def generate(notes: int, out_dir: Path, *, seed: int = 20240601) -> Course:
    """Write ``notes`` card entries as deck files under ``out_dir/decks`` and ``course.csv``.

    The same ``notes`` and ``seed`` always give byte-identical files.
    """
    rng = random.Random(seed)
    seeds, primary = _sources()
    folder = out_dir / "decks"
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "course.csv"
    kinds = {"basic": 0, "reversed": 0, "cloze": 0}
    cards = 0
    files = 0
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("#separator:Comma\n#html:true\n#notetype column:1\n")
        handle.write("#tags column:4\n#deck column:5\n")
        writer = csv.writer(handle)
        for start in range(0, notes, CARDS_PER_FILE):
            files += 1
            family = _FAMILIES[(files - 1) % len(_FAMILIES)]
            deck_id = f"bench-{files:03d}"
            entries = [
                _entry(rng, i, family, seeds, primary)
                for i in range(start, min(notes, start + CARDS_PER_FILE))
            ]
            for entry in entries:
                kinds[str(entry["type"])] += 1
                cards += studyable_cards(entry)
                writer.writerow(_csv_row(entry, deck_id))
            document = {
                "format_version": 1,
                "deck": {
                    "id": deck_id,
                    "title": f"Benchmark deck {files}",
                    "family": family,
                    "description": "Synthetic cards for the benchmarks.",
                },
                "cards": entries,
            }
            text = yaml.dump(
                document, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100
            )
            (folder / f"{deck_id}.yaml").write_text(text, encoding="utf-8")
    return Course(folder, csv_path, notes, cards, files, kinds)


def edit_one_card(folder: Path) -> tuple[Path, bytes]:
    """Change the wording of one card in the first deck file; returns (file, original bytes)."""
    path = sorted(folder.glob("*.yaml"))[0]
    original = path.read_bytes()
    marker = next(m for i in range(500, -1, -1) if (m := f"Q{i}: ".encode()) in original)
    edited = original.replace(marker, marker + b"(edited) ", 1)
    assert edited != original
    path.write_bytes(edited)
    return path, original
