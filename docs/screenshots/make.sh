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
python -m studyapp --data-dir "$data" --theme light --size 800x600 \
  --screenshot "$out/review-800x600.png" --screen answer
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
