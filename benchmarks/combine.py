"""``python -m benchmarks.combine RUN.json ...``: several full runs side by side, in Markdown.

The issue's verdicts come from consecutive full runs (``python -m benchmarks --large --json
RUN.json``, one after the other on a quiet machine). This prints, for every row of the
table, each run's figure for StudyApp and for Anki (or the floor the row is compared with),
the ratio, and the range over the runs; then every budget with its verdict in each run, and
whether it held in all of them; and each run's load.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

VERDICT = {True: "pass", False: "MISS", None: "n/a"}


def figure(value: dict[str, float] | None, unit: str) -> float | None:
    """The row's headline number in its display unit (p95 for latencies that have one)."""
    if not value:
        return None
    number = value.get("median")
    if number is None:
        return None
    return number * 1000 if unit == "ms" else number


def shown(number: float | None, unit: str) -> str:
    if number is None:
        return "-"
    if unit == "MB":
        return f"{number:.0f}"
    if unit == "ms":
        return f"{number:.2f}" if number < 10 else f"{number:.0f}"
    return f"{number:.3g}"


def spread(numbers: list[float | None], unit: str) -> str:
    present = [n for n in numbers if n is not None]
    if not present:
        return "-"
    return f"{shown(min(present), unit)}-{shown(max(present), unit)}"


def p95(value: dict[str, float] | None) -> float | None:
    return None if not value or "p95" not in value else value["p95"] * 1000


def rows_table(runs: list[dict[str, Any]]) -> list[str]:
    n = len(runs)
    head = ["measurement", "cards", "unit"]
    head += [f"ours #{i + 1}" for i in range(n)] + ["ours min-max"]
    head += [f"Anki #{i + 1}" for i in range(n)] + ["ratio per run"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    keyed = [{(r["key"], r["label"], r["size"]): r for r in run["rows"]} for run in runs]
    for key in keyed[0]:
        label, size = key[1].strip().replace("|", "\\|"), key[2]
        found = [k.get(key) for k in keyed]
        unit = found[0]["unit"] if found[0] else "s"
        ours = [figure(r.get("studyapp"), unit) if r else None for r in found]
        theirs = [figure(r.get("anki"), unit) if r else None for r in found]
        if all(o is None for o in ours) and all(t is None for t in theirs):
            continue
        ratios = [
            f"{o / t:.2f}x" if o is not None and t else "-"
            for o, t in zip(ours, theirs, strict=True)
        ]
        cells = [label, f"{size:,}" if size else "", unit]
        cells += [shown(o, unit) for o in ours] + [spread(ours, unit)]
        cells += [shown(t, unit) for t in theirs] + [_ratios(ratios)]
        lines.append("| " + " | ".join(cells) + " |")
        ours95 = [p95(r.get("studyapp")) if r else None for r in found]
        theirs95 = [p95(r.get("anki")) if r else None for r in found]
        if any(o is not None for o in ours95):
            ratios = [
                f"{o / t:.2f}x" if o is not None and t else "-"
                for o, t in zip(ours95, theirs95, strict=True)
            ]
            cells = [f"{label}, p95", f"{size:,}" if size else "", unit]
            cells += [shown(o, unit) for o in ours95] + [spread(ours95, unit)]
            cells += [shown(t, unit) for t in theirs95] + [_ratios(ratios)]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _ratios(ratios: list[str]) -> str:
    return "" if all(r == "-" for r in ratios) else " / ".join(ratios)


def budgets_table(runs: list[dict[str, Any]]) -> tuple[list[str], int]:
    n = len(runs)
    head = ["budget", *(f"run #{i + 1}" for i in range(n)), f"held in all {n}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    by_name = [{b["budget"]: b for b in run["budgets"]} for run in runs]
    names = list(dict.fromkeys(name for run in by_name for name in run))
    missed = 0
    for name in names:
        found = [run.get(name) for run in by_name]
        cells = ["-" if b is None else f"{VERDICT[b['passed']]}: {b['detail']}" for b in found]
        verdicts = [None if b is None else b["passed"] for b in found]
        if all(v is True for v in verdicts):
            overall = "**yes**"
        elif any(v is False for v in verdicts):
            overall = "no"
            missed += 1
        else:
            overall = "n/a"
        lines.append("| " + " | ".join([name, *cells, overall]) + " |")
    return lines, missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.combine", description=__doc__)
    parser.add_argument("runs", nargs="+", type=Path, help="JSON files of full runs, in order")
    args = parser.parse_args(argv)
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in args.runs]
    print("### Each run\n")
    print("| run | mode | seconds | load before | load after | load during |")
    print("|---|---|---|---|---|---|")
    for i, run in enumerate(runs):
        mode = run["mode"] + (" --large" if run.get("large") else "")
        print(
            f"| #{i + 1} | {mode}, {run['runs']} runs each | {run['seconds']:.0f} | "
            f"{run.get('load_before')} | {run.get('load_after')} | {run.get('load_during')} |"
        )
    print("\n### Figures (medians of each run; ms rows also give p95)\n")
    print("\n".join(rows_table(runs)))
    lines, missed = budgets_table(runs)
    print("\n### Budgets\n")
    print("\n".join(lines))
    print(f"\n{missed} budget(s) missed in at least one run.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
