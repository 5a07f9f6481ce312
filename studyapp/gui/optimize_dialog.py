"""What Optimize found: the fit before and after, as Anki reports it, and whether to move the
review cards' due dates to the new parameters (asked, never done silently)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from studyapp.services.fsrs import KEPT, NOT_ENOUGH_HISTORY, OptimizeResult

__all__ = ["OptimizeDialog"]


class OptimizeDialog(QDialog):
    """Shows an :class:`OptimizeResult`; :meth:`reschedule_wanted` says whether the trainee
    asked to move ``waiting`` review cards to the new parameters."""

    def __init__(
        self, result: OptimizeResult, waiting: int = 0, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Optimize FSRS parameters")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        # Never smaller than its contents (wrapped labels included), on any screen.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        fit = result.fit
        self.headline = QLabel()
        self.headline.setObjectName("headline")
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        self.reschedule = QCheckBox()
        self.reschedule.setVisible(False)
        self._asks = False
        if fit is None:
            self.headline.setText(NOT_ENOUGH_HISTORY)
            self.detail = QLabel(result.shortfall())
            self.detail.setWordWrap(True)
            layout.addWidget(self.detail)
        else:
            self.headline.setText(
                "Your new parameters fit your reviews better and are now in use."
                if result.saved
                else KEPT
            )
            grid = QGridLayout()
            grid.setHorizontalSpacing(28)
            grid.setVerticalSpacing(6)
            # Kept, the fitted parameters were never used: "After" would say they were.
            heads = ("", "Before", "After") if result.saved else ("", "In use", "Fitted")
            for column, text in enumerate(heads, start=0):
                header = QLabel(text)
                header.setObjectName("muted")
                grid.addWidget(header, 0, column, Qt.AlignmentFlag.AlignRight)
            rows = (
                ("Log loss", f"{fit.log_loss_before:.4f}", f"{fit.log_loss_after:.4f}"),
                ("RMSE (bins)", f"{fit.rmse_before:.2%}", f"{fit.rmse_after:.2%}"),
            )
            self.values: dict[str, tuple[str, str]] = {}
            for row, (name, before, after) in enumerate(rows, start=1):
                grid.addWidget(QLabel(name), row, 0)
                grid.addWidget(QLabel(before), row, 1, Qt.AlignmentFlag.AlignRight)
                grid.addWidget(QLabel(after), row, 2, Qt.AlignmentFlag.AlignRight)
                self.values[name] = (before, after)
            grid.setColumnStretch(3, 1)
            layout.addLayout(grid)
            note = QLabel(
                "Smaller numbers mean a better fit to your review history. "
                f"Fitted to {result.reviews:,} answers ({result.items:,} of them predicted)."
            )
            note.setObjectName("muted")
            note.setWordWrap(True)
            layout.addWidget(note)
            if result.saved and waiting:
                self.reschedule.setText(
                    f"Reschedule {waiting:,} review card{'s' if waiting != 1 else ''} now"
                )
                self.reschedule.setVisible(True)
                self._asks = True
                layout.addWidget(self.reschedule)
                why = QLabel(
                    "Moves their due dates to the new parameters (Anki's 'reschedule cards "
                    "on change'). Otherwise each card keeps its date until its next review."
                )
                why.setObjectName("muted")
                why.setWordWrap(True)
                layout.addWidget(why)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(self.sizeHint())  # the height its wrapped text needs at that width

    def reschedule_wanted(self) -> bool:
        return self._asks and self.reschedule.isChecked()
