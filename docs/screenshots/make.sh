#!/usr/bin/env bash
# Regenerate the screenshots in this folder from the bundled decks, offscreen.
# Usage: docs/screenshots/make.sh   (from the repository root, after pip install -e .)
set -euo pipefail
cd "$(dirname "$0")/../.."
export QT_QPA_PLATFORM=offscreen
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
out=docs/screenshots
for screen in overview review answer summary settings details; do
  python -m studyapp --data-dir "$data" --theme light --size 1000x700 \
    --screenshot "$out/$screen.png" --screen "$screen"
done
python -m studyapp --data-dir "$data" --theme dark --size 1000x700 \
  --screenshot "$out/answer-dark.png" --screen answer
python -m studyapp --data-dir "$data" --theme dark --size 800x600 \
  --screenshot "$out/overview-800x600-dark.png" --screen overview
python -m studyapp --data-dir "$data" --theme light --size 800x600 \
  --screenshot "$out/review-800x600.png" --screen answer
# Deck options (a deck's preset: retention and daily limits), and a safety-critical card in
# review with its answer shown (issue 12).
python -m studyapp --data-dir "$data" --theme light --size 1000x700 \
  --screenshot "$out/deck-options.png" --screen deck-options 2>/dev/null
python -m studyapp --data-dir "$data" --theme dark --size 800x600 \
  --screenshot "$out/deck-options-800x600-dark.png" --screen deck-options 2>/dev/null
python -m studyapp --data-dir "$data" --theme light --size 1000x700 \
  --screenshot "$out/critical.png" --screen critical 2>/dev/null
python -m studyapp --data-dir "$data" --theme dark --size 800x600 \
  --screenshot "$out/critical-800x600-dark.png" --screen critical 2>/dev/null
# Three of the decks' diagrams on their cards, the answer shown (issue 18): the arc of a course
# of therapy, the MDMA timeline and the trial designs, light and dark.
for shot in proc-three-phases:therapy-arc ev-mdma-crl-2024:mdma-timeline \
  term-open-label:trial-designs; do
  for theme in light dark; do
    python -m studyapp --data-dir "$data" --theme "$theme" --size 1000x700 \
      --screenshot "$out/diagram-${shot#*:}-$theme.png" --screen image --card "${shot%%:*}"
  done
done
# The same at 800x600, and a picture seen big (Z or a click on it), with its alt text as the
# caption.
python -m studyapp --data-dir "$data" --theme dark --size 800x600 \
  --screenshot "$out/diagram-mdma-timeline-800x600-dark.png" --screen image --card ev-mdma-crl-2024
python -m studyapp --data-dir "$data" --theme light --size 800x600 \
  --screenshot "$out/diagram-trial-designs-800x600.png" --screen image --card term-open-label
python -m studyapp --data-dir "$data" --theme dark --size 800x600 \
  --screenshot "$out/zoom-800x600-dark.png" --screen zoom --card ev-mdma-crl-2024 2>/dev/null
python -m studyapp --data-dir "$data" --theme light --size 1000x700 \
  --screenshot "$out/zoom.png" --screen zoom --card term-open-label 2>/dev/null
# Steering your study (issue 15): the browser with a search and a card's info panel, a
# sensitive card's content note with Not now, a leech notice (a card lapsed for real on a
# scratch copy), a cram session's summary, and the overview grouped by course module (the
# trainee in module 3, so modules 4-6 keep their new cards).
for screen in browser content-note leech cram-summary modules; do
  python -m studyapp --data-dir "$data" --theme light --size 1000x700 \
    --screenshot "$out/$screen.png" --screen "$screen" 2>/dev/null
  python -m studyapp --data-dir "$data" --theme dark --size 800x600 \
    --screenshot "$out/$screen-800x600-dark.png" --screen "$screen" 2>/dev/null
done
# The safety net, each made for real on a scratch copy of the store: File > Backups…, a store
# with 512 bytes overwritten, an answer refused by a full disk (SQLite's max_page_count).
python -m studyapp --data-dir "$data" --theme light --size 1000x700 \
  --screenshot "$out/backups.png" --screen backups 2>/dev/null
python -m studyapp --data-dir "$data" --theme dark --size 800x600 \
  --screenshot "$out/damaged-800x600-dark.png" --screen damaged 2>/dev/null
python -m studyapp --data-dir "$data" --theme light --size 800x600 \
  --screenshot "$out/full-disk-800x600.png" --screen full-disk 2>/dev/null
# A start with a deck folder that has errors and one that is gone: the problems dialog (it
# scrolls and fits an 800x600 window) and File > Deck folders….
folders=$(mktemp -d)
mkdir "$folders/module-7-draft" "$folders/usb-course"
python - "$folders/module-7-draft/integration.yaml" <<'PY'
import sys

cards = []
for i in range(1, 19):
    card = [f"  - id: m7-card-{i:02d}", f"    front: Draft question {i} on integration?"]
    if i % 3 == 0:
        card += [f"    bak: Draft answer {i}.", "    source: [rieser2021]"]
    elif i % 3 == 1:
        card += [f"    back: Draft answer {i}.", "    source: [rieser2021]", "    type: clozee"]
    else:
        card += [f"    back: Draft answer {i}."]
    cards.append("\n".join(card))
header = "format_version: 1\ndeck:\n  id: module-7\n  title: 'Module 7: integration'\n"
with open(sys.argv[1], "w", encoding="utf-8") as out:
    out.write(header + "  family: process\ncards:\n" + "\n".join(cards) + "\n")
PY
cp tests/data/decks/sample.yaml "$folders/usb-course/"
for folder in module-7-draft usb-course; do
  python -m studyapp --data-dir "$data" folders add "$folders/$folder" >/dev/null
done
python -m studyapp --data-dir "$data" sync >/dev/null 2>&1 || true
rm -rf "$folders/usb-course"  # the drive is unplugged
for theme in light dark; do
  python -m studyapp --data-dir "$data" --theme "$theme" --size 800x600 \
    --screenshot "$out/problems-800x600-$theme.png" --screen problems 2>/dev/null
done
python -m studyapp --data-dir "$data" --theme light --size 1000x700 \
  --screenshot "$out/deck-folders.png" --screen folders 2>/dev/null
rm -rf "$folders"
# Statistics and the report, from a generated history of the bundled decks (400 days, 80% of
# the cards started; benchmarks/history.py), with an exam date about three months ahead.
history=$(mktemp -d)
python -m benchmarks.history "$history/data" --bundled --days 400
exam=$(python -c "import datetime; print(datetime.date.today() + datetime.timedelta(days=90))")
for screen in statistics retention readiness; do
  python -m studyapp --data-dir "$history/data" --theme light --size 1100x780 \
    --screenshot "$out/$screen.png" --screen "$screen"
done
python -m studyapp --data-dir "$history/data" --theme dark --size 1100x780 \
  --screenshot "$out/memory-dark.png" --screen memory
python -m studyapp --data-dir "$history/data" --theme dark --size 800x600 \
  --screenshot "$out/statistics-dark-800x600.png" --screen statistics
python -m studyapp --data-dir "$history/data" --theme light --size 800x600 \
  --screenshot "$out/statistics-800x600.png" --screen statistics
python -m studyapp --data-dir "$history/data" --theme dark --size 1100x780 \
  --screenshot "$out/statistics-dark.png" --screen statistics
python -m studyapp --data-dir "$history/data" --theme dark --size 800x600 \
  --screenshot "$out/readiness-dark-800x600.png" --screen readiness
python -m studyapp --data-dir "$history/data" --theme dark --size 800x600 \
  --screenshot "$out/steering-dark-800x600.png" --screen steering
python -m studyapp --data-dir "$history/data" report -o "$history/report.pdf" --exam-date "$exam"
pdftoppm -png -r 60 "$history/report.pdf" "$history/report"  # poppler-utils
for page in 1 2; do
  [ -f "$history/report-$page.png" ] && cp "$history/report-$page.png" "$out/report-$page.png"
done
# Optimize, fitted for real to that history (on a scratch copy of the store). The history
# was made by FSRS's default parameters, which then fit it best; so that the screen shows
# the usual case of a trainee whose memory differs from them, the store first uses other
# parameters (a steeper forgetting curve), which the fit then improves on.
params=$(python -c "import fsrs_rs_python as f; p = list(f.DEFAULT_PARAMETERS); p[20] = 0.5; print(', '.join(f'{v:.4f}' for v in p))")
python -m studyapp --data-dir "$history/data" optimize --parameters "$params" >/dev/null
python -m studyapp --data-dir "$history/data" --theme light --size 1000x700 \
  --screenshot "$out/optimize.png" --screen optimize 2>/dev/null
python -m studyapp --data-dir "$history/data" --theme dark --size 800x600 \
  --screenshot "$out/optimize-800x600-dark.png" --screen optimize 2>/dev/null
rm -rf "$history"
# The authors' preview after a broken save: the last good cards stay, the problems are listed.
decks=$(mktemp -d)
cp decks/terms.yaml "$decks/terms.yaml"
python - "$decks" "$out/preview-broken.png" <<'PY'
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from studyapp.gui.preview import PreviewWindow
from studyapp.services.preview import DeckPreview

folder, png = Path(sys.argv[1]), sys.argv[2]
app = QApplication([])
window = PreviewWindow(DeckPreview([folder]), theme="light")
window.resize(1000, 760)
window.show()
deck = folder / "terms.yaml"
text = deck.read_text(encoding="utf-8")
first = text.index("    source:")
second = text.index("type: reversed", text.index("type: reversed") + 1)
broken = text[:second] + "type: revrsed" + text[second + len("type: reversed"):]
broken = broken[:first] + "    sourse:" + broken[first + len("    source:"):]
deck.write_text(broken, encoding="utf-8")
window.reload()
window.problems.setCurrentRow(0)
window._on_problem_activated(window.problems.item(0))
app.processEvents()
window.grab().save(png)
PY
rm -rf "$decks"
# The authors' preview of a course made by `studyapp init`, one card pointing at an image
# that is not there.
course=$(mktemp -d)
python -m studyapp init "$course/seminar" >/dev/null 2>&1
sed -i 's|../images/therapy-arc.svg|../images/therapy-arc-v2.svg|' "$course/seminar/decks/basic-cards.yaml"
python -m studyapp preview "$course/seminar" --screenshot "$out/preview-broken-image.png" \
  --size 1000x760 --theme light 2>/dev/null
rm -rf "$course"
