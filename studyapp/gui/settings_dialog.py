"""Settings: retention, daily limits, steps, font size and theme, saved to the store."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studyapp.services.settings import LIMITS, Settings, parse_steps

__all__ = ["SettingsDialog"]

RETENTION_HELP = (
    "Higher means you remember more of what you study, at the cost of more reviews per day; "
    "0.90 is a good balance."
)


def _int_range(name: str) -> tuple[int, int]:
    low, high = LIMITS[name]
    return int(low), int(high)


class SettingsDialog(QDialog):
    """Edits a copy of :class:`Settings`; ``result_settings()`` gives the accepted values."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self._settings = settings
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setVerticalSpacing(10)

        self.retention = QDoubleSpinBox()
        self.retention.setRange(*LIMITS["desired_retention"])
        self.retention.setSingleStep(0.01)
        self.retention.setDecimals(2)
        self.retention.setValue(settings.desired_retention)
        form.addRow("Desired retention", self.retention)
        help_label = QLabel(RETENTION_HELP)
        help_label.setObjectName("muted")
        help_label.setWordWrap(True)
        form.addRow(help_label)

        self.new_per_day = QSpinBox()
        self.new_per_day.setRange(0, 9999)
        self.new_per_day.setValue(settings.new_per_day)
        form.addRow("New cards per day", self.new_per_day)
        self.reviews_per_day = QSpinBox()
        self.reviews_per_day.setRange(0, 99999)
        self.reviews_per_day.setValue(settings.reviews_per_day)
        form.addRow("Reviews per day", self.reviews_per_day)
        self.learning_steps = QLineEdit(" ".join(f"{s:g}" for s in settings.learning_steps))
        self.learning_steps.setToolTip("Minutes between the first answers of a new card, e.g. 1 10")
        form.addRow("Learning steps (minutes)", self.learning_steps)
        self.relearning_steps = QLineEdit(" ".join(f"{s:g}" for s in settings.relearning_steps))
        form.addRow("Relearning steps (minutes)", self.relearning_steps)
        self.font_size = QSpinBox()
        self.font_size.setRange(*_int_range("font_size"))
        self.font_size.setValue(settings.font_size)
        form.addRow("Card font size", self.font_size)
        self.theme = QComboBox()
        for value, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            self.theme.addItem(label, value)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form.addRow("Theme", self.theme)
        self.leech_threshold = QSpinBox()
        self.leech_threshold.setRange(*_int_range("leech_threshold"))
        self.leech_threshold.setSpecialValueText("Off")
        self.leech_threshold.setSuffix(" lapses")
        self.leech_threshold.setValue(settings.leech_threshold)
        self.leech_threshold.setToolTip(
            "A card forgotten this many times after learning is marked a leech (Anki's 8)"
        )
        form.addRow("Leech after", self.leech_threshold)
        self.leech_suspend = QCheckBox("Also suspend a card when it becomes a leech")
        self.leech_suspend.setChecked(settings.leech_suspend)
        form.addRow("", self.leech_suspend)
        layout.addLayout(form)

        self.error = QLabel()
        self.error.setObjectName("muted")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._result: Settings | None = None

    def _try_accept(self) -> None:
        try:
            self._result = self._settings.with_changes(
                desired_retention=round(self.retention.value(), 2),
                new_per_day=self.new_per_day.value(),
                reviews_per_day=self.reviews_per_day.value(),
                learning_steps=parse_steps(self.learning_steps.text()),
                relearning_steps=parse_steps(self.relearning_steps.text()),
                font_size=self.font_size.value(),
                theme=self.theme.currentData(),
                leech_threshold=self.leech_threshold.value(),
                leech_suspend=self.leech_suspend.isChecked(),
            )
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def result_settings(self) -> Settings | None:
        return self._result
