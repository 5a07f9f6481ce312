"""The floor for start-up: a bare PySide6 window, shown, grabbed to a PNG, and exit.

Run as a script (``python benchmarks/bare_qt.py OUT.png``) with QT_QPA_PLATFORM=offscreen,
the same way the StudyApp screenshot is taken.
"""

import sys

from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

app = QApplication(sys.argv[:1])
window = QWidget()
layout = QVBoxLayout(window)
layout.addWidget(QLabel("A bare window"))
window.resize(1000, 700)
window.show()
app.processEvents()
if not window.grab().save(sys.argv[1]):
    raise SystemExit("cannot write the PNG")
