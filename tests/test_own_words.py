"""The bundled decks carry the seeds' facts in their own words: no card text (front, back, cloze
text, extra, correction, a picture's alt text) and no diagram shares a run of ten or more
consecutive words with any of the five seed documents, case and punctuation folded.

The seeds are not in this repository, so ``tests/data/seed-word-runs.txt`` holds a fingerprint of
them instead: a short hash of every run of ``RUN`` consecutive words, after case and punctuation
are folded away. A card text that shares such a run with a seed has one of its hashes.
Regenerate the fingerprint when the seeds change (the course keeps them beside its source notes)::

    python tests/test_own_words.py /work/shared/sources/*.txt > tests/data/seed-word-runs.txt

(The helpers live in this module, not in a ``tests`` helper module, so that the check runs the
same however pytest is started.)
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from studyapp.core.cloze import render_cloze
from studyapp.deckfile.loader import discover_deck_files, parse_deck
from studyapp.services.paths import bundled_decks_dir

RUN = 10
"""Words in a run. The brief's "a long run": ten words carry a sentence, not a term or a title."""

FINGERPRINT = Path(__file__).resolve().parent / "data" / "seed-word-runs.txt"

_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> list[str]:
    """The words of ``text``, lowered, with punctuation (hyphens, apostrophes) as a break:
    "Co-therapist team's" and "co therapist team s" fold alike."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def _digest(words: Sequence[str]) -> str:
    return hashlib.blake2b(" ".join(words).encode(), digest_size=6).hexdigest()


def fingerprint(texts: Iterable[str], *, run: int = RUN) -> set[str]:
    """The hash of every run of ``run`` consecutive words in each of ``texts``."""
    hashes: set[str] = set()
    for text in texts:
        words = fold(text)
        hashes.update(_digest(words[i : i + run]) for i in range(len(words) - run + 1))
    return hashes


def load_fingerprint(path: Path = FINGERPRINT) -> tuple[int, set[str]]:
    """(run length, hashes) from a file written by this module's command line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    run = next(int(line.split()[-1]) for line in header if line.startswith("# run "))
    return run, {line for line in lines if line and not line.startswith("#")}


def shared_runs(text: str, hashes: set[str], *, run: int = RUN) -> list[str]:
    """The longest stretches of ``text`` (folded) that are made of runs found in ``hashes``."""
    words = fold(text)
    hits = [i for i in range(len(words) - run + 1) if _digest(words[i : i + run]) in hashes]
    stretches: list[str] = []
    start = end = -2
    for i in [*hits, -2]:
        if i == end + 1:
            end = i
            continue
        if start >= 0:
            stretches.append(" ".join(words[start : end + run]))
        start = end = i
    return stretches


@pytest.fixture(scope="module")
def seed_runs() -> set[str]:
    run, hashes = load_fingerprint()
    assert run == RUN
    return hashes


def _card_texts() -> list[tuple[str, str, str]]:
    """(card id, field, text as a trainee reads it) for every card in the bundled decks, retired
    ones too (they ship in the files). A cloze is read with every deletion filled in."""
    files, _ = discover_deck_files([bundled_decks_dir()])
    texts: list[tuple[str, str, str]] = []
    for path in files:
        deck = parse_deck(path)
        assert deck.model is not None, path
        header = deck.model.deck
        texts.append((header.id, "deck", f"{header.title}. {header.description or ''}"))
        for card in deck.model.cards:
            for field in ("front", "back", "text", "extra", "correction"):
                value = getattr(card, field, None)
                if value:
                    shown = render_cloze(value, "c0", reveal=True) if field == "text" else value
                    texts.append((card.id, field, shown))
            if card.image is not None:
                texts.append((card.id, "alt", card.image.alt))
    return texts


def test_no_card_shares_a_long_run_of_words_with_a_seed(seed_runs: set[str]) -> None:
    texts = _card_texts()
    assert len({card_id for card_id, _f, _t in texts}) > 200  # every deck was read
    copied = [
        (card_id, field, stretch)
        for card_id, field, text in texts
        for stretch in shared_runs(text, seed_runs)
    ]
    assert copied == []


def test_no_diagram_shares_a_long_run_of_words_with_a_seed(seed_runs: set[str]) -> None:
    diagrams = sorted((bundled_decks_dir() / "images").glob("*.svg"))
    assert diagrams
    for svg in diagrams:
        words = re.sub(r"<[^>]*>", " ", svg.read_text(encoding="utf-8"))
        assert shared_runs(words, seed_runs) == [], svg.name


# Ten words of the Rieser course summary as it reads, and the same fact in other words.
SEED_SENTENCE = (
    "One potential mechanism is induced neuroplasticity, where psychedelics may facilitate "
    "learning and behavioral change."
)
PARAPHRASE = (
    "Psychedelics are thought to make the brain more plastic, which may ease new learning and "
    "changes in behaviour."
)


def test_the_fingerprint_finds_a_seed_sentence_however_it_is_cased_or_punctuated(
    seed_runs: set[str],
) -> None:
    assert shared_runs(SEED_SENTENCE, seed_runs) == [" ".join(fold(SEED_SENTENCE))]
    shouted = (
        "ONE POTENTIAL MECHANISM -- is 'induced' Neuroplasticity; where PSYCHEDELICS may "
        "(facilitate) learning!"
    )
    assert shared_runs(shouted, seed_runs) != []
    assert shared_runs(PARAPHRASE, seed_runs) == []
    nine_words = " ".join(fold(SEED_SENTENCE)[:9])
    assert shared_runs(nine_words, seed_runs) == []


def test_shared_runs_joins_overlapping_runs_into_one_stretch() -> None:
    source = " ".join(f"w{i}" for i in range(30))
    hashes = fingerprint([source])
    text = "Intro words. " + " ".join(f"W{i}," for i in range(3, 17)) + " other text"
    assert shared_runs(text, hashes) == [" ".join(f"w{i}" for i in range(3, 17))]
    assert shared_runs(" ".join(f"w{i}" for i in range(3, 12)), hashes) == []


def test_the_fingerprint_covers_the_five_seeds() -> None:
    lines = FINGERPRINT.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("# 00")]
    assert len(header) == 5
    words = sum(int(line.split()[-2]) for line in header)
    _run, hashes = load_fingerprint()
    # One hash per run: a few runs repeat within the seeds, none is lost.
    assert words - 5 * (RUN - 1) - 100 < len(hashes) <= words - 5 * (RUN - 1)


def main(paths: Sequence[str]) -> int:
    """Print the fingerprint of the files ``paths``: a header, then one sorted hash a line."""
    files = [Path(p) for p in paths]
    if not files:
        print("usage: python tests/test_own_words.py SEED.txt...", file=sys.stderr)
        return 2
    texts = [f.read_text(encoding="utf-8") for f in files]
    print("# Hashes of every run of words in the course's five seed documents (test_own_words.py).")
    print(f"# run {RUN}")
    for f, text in zip(files, texts, strict=True):
        print(
            f"# {f.name} {hashlib.sha256(text.encode()).hexdigest()[:16]} {len(fold(text))} words"
        )
    for digest in sorted(fingerprint(texts)):
        print(digest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
