"""Settings: daily limits for all decks, steps, the start of the study day, leeches; the
memory model (safety-critical retention, FSRS parameters, Optimize); font size and theme.

Each deck's own desired retention and limits are deck options (Tools → Deck options…)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studyapp.core.scheduling import DEFAULT_PARAMETERS
from studyapp.gui.messages import FORM_GAP, add_error_and_buttons
from studyapp.services.fsrs import ParameterError, parse_parameters
from studyapp.services.library import CourseModuleInfo
from studyapp.services.settings import LIMITS, Settings, parse_steps
from studyapp.services.text import describe_day

__all__ = ["SettingsDialog", "format_parameters", "module_label"]

CRITICAL_HELP = (
    "Cards an author marks safety-critical (contraindications, interactions, screening) are "
    "scheduled at this retention instead of their deck's, so they come back sooner."
)
PARAMETERS_HELP = (
    "The FSRS model's 21 numbers. Optimize fits them to your own reviews (as Anki does) and "
    "keeps them only if they predict your answers better."
)


NUMBER_WIDTH = 160
"""The width of every number box (and the theme's choice) in Settings: wide enough for its
largest value and suffix, not stretched across the dialog."""


def _int_range(name: str) -> tuple[int, int]:
    low, high = LIMITS[name]
    return int(low), int(high)


def format_parameters(parameters: tuple[float, ...]) -> str:
    """Parameters as Anki shows them: four decimals, separated by commas."""
    return ", ".join(f"{v:.4f}" for v in parameters)


def module_label(module: CourseModuleInfo) -> str:
    """'Module 3: What the trials show', with its release date if it has one."""
    label = f"Module {module.number}: {module.title}"
    if module.release:
        label += f" (from {describe_day(date.fromisoformat(module.release))})"
    return label


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


class SettingsDialog(QDialog):
    """Edits a copy of :class:`Settings`; ``result_settings()`` gives the accepted values.

    Signals:
        optimize_requested(): the trainee pressed Optimize… (the window runs it).
        deck_options_requested(): the trainee wants the deck options.
    """

    optimize_requested = Signal()
    deck_options_requested = Signal()

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        modules: Sequence[CourseModuleInfo] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(660)
        self._settings = settings
        self._modules = tuple(modules)
        self._parameters = settings.fsrs_parameters
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._study_tab(settings), "Study")
        self.tabs.addTab(self._memory_tab(settings), "Memory")
        self.tabs.addTab(self._appearance_tab(settings), "Appearance")
        layout.addWidget(self.tabs)

        self.error = add_error_and_buttons(self, layout, self._try_accept)
        self._result: Settings | None = None

    # -- tabs --------------------------------------------------------------------------------
    def _study_tab(self, settings: Settings) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        form.setHorizontalSpacing(FORM_GAP)
        form.setVerticalSpacing(10)
        self.new_per_day = QSpinBox()
        self.new_per_day.setRange(0, 9999)
        self.new_per_day.setValue(settings.new_per_day)
        form.addRow("New cards per day", self.new_per_day)
        self.reviews_per_day = QSpinBox()
        self.reviews_per_day.setRange(0, 99999)
        self.reviews_per_day.setValue(settings.reviews_per_day)
        form.addRow("Reviews per day", self.reviews_per_day)
        per_deck = QHBoxLayout()
        per_deck.addWidget(
            _muted("For all decks together. Each deck's own limits and desired retention:"), 1
        )
        self.deck_options_button = QPushButton("Deck options…")
        self.deck_options_button.clicked.connect(self.deck_options_requested)
        per_deck.addWidget(self.deck_options_button)
        form.addRow(per_deck)
        self.learning_steps = QLineEdit(" ".join(f"{s:g}" for s in settings.learning_steps))
        self.learning_steps.setToolTip("Minutes between the first answers of a new card, e.g. 1 10")
        form.addRow("Learning steps (minutes)", self.learning_steps)
        self.relearning_steps = QLineEdit(" ".join(f"{s:g}" for s in settings.relearning_steps))
        form.addRow("Relearning steps (minutes)", self.relearning_steps)
        self.rollover_hour = QSpinBox()
        self.rollover_hour.setRange(*_int_range("rollover_hour"))
        self.rollover_hour.setSuffix(":00")
        self.rollover_hour.setValue(settings.rollover_hour)
        self.rollover_hour.setToolTip(
            "Cards due 'tomorrow' come back after this local hour; answers before it belong "
            "to the day before (Anki's 'next day starts at')"
        )
        form.addRow("A new study day starts at", self.rollover_hour)
        self.current_module = QComboBox()
        self.current_module.addItem("Follow the release dates", 0)
        for module in self._modules:
            self.current_module.addItem(module_label(module), module.number)
        self.current_module.setCurrentIndex(
            max(0, self.current_module.findData(settings.current_module))
        )
        self.current_module.setToolTip(
            "New cards come only from released modules: those whose release date has come, "
            "or, once you choose the module you are in, that module and the ones before it"
        )
        if self._modules:
            form.addRow("Course module", self.current_module)
        self.leech_threshold = QSpinBox()
        self.leech_threshold.setRange(*_int_range("leech_threshold"))
        self.leech_threshold.setSpecialValueText("Off")
        self.leech_threshold.setSuffix(" lapses")
        self.leech_threshold.setValue(settings.leech_threshold)
        self.leech_threshold.setToolTip(
            "A card forgotten this many times after learning is marked a leech (Anki's 8)"
        )
        form.addRow("Leech after", self.leech_threshold)
        self.leech_suspend = QCheckBox("Suspend leeches too")
        self.leech_suspend.setToolTip("Also suspend a card when it becomes a leech")
        self.leech_suspend.setChecked(settings.leech_suspend)
        form.addRow("", self.leech_suspend)
        for spin in (
            self.new_per_day,
            self.reviews_per_day,
            self.rollover_hour,
            self.leech_threshold,
        ):
            spin.setMaximumWidth(NUMBER_WIDTH)
        return tab

    def _memory_tab(self, settings: Settings) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        form.setHorizontalSpacing(FORM_GAP)
        form.setVerticalSpacing(10)
        self.critical_retention = QDoubleSpinBox()
        self.critical_retention.setRange(*LIMITS["critical_retention"])
        self.critical_retention.setSingleStep(0.01)
        self.critical_retention.setDecimals(2)
        self.critical_retention.setValue(settings.critical_retention)
        self.critical_retention.setMaximumWidth(NUMBER_WIDTH)
        form.addRow("Safety-critical cards", self.critical_retention)
        form.addRow(_muted(CRITICAL_HELP))
        self.parameters = QPlainTextEdit(format_parameters(settings.parameters))
        lines = self.parameters.fontMetrics().lineSpacing()
        self.parameters.setFixedHeight(lines * 5 + 14)  # all 21 numbers, in five lines
        self.parameters.setToolTip("21 numbers separated by commas")
        form.addRow("FSRS parameters", self.parameters)
        self.parameters_state = _muted()
        form.addRow("", self.parameters_state)
        buttons = QHBoxLayout()
        self.optimize_button = QPushButton("Optimize…")
        self.optimize_button.setToolTip("Fit the parameters to your own reviews")
        self.optimize_button.clicked.connect(self.optimize_requested)
        self.reset_button = QPushButton("Reset to defaults")
        self.reset_button.setToolTip("Go back to the published parameters")
        self.reset_button.clicked.connect(self.reset_parameters)
        buttons.addWidget(self.optimize_button)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        form.addRow("", buttons)
        form.addRow(_muted(PARAMETERS_HELP))
        self._show_parameters_state()
        self.parameters.textChanged.connect(self._show_parameters_state)
        return tab

    def _appearance_tab(self, settings: Settings) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        form.setHorizontalSpacing(FORM_GAP)
        form.setVerticalSpacing(10)
        self.font_size = QSpinBox()
        self.font_size.setRange(*_int_range("font_size"))
        self.font_size.setValue(settings.font_size)
        form.addRow("Card font size", self.font_size)
        self.theme = QComboBox()
        for value, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            self.theme.addItem(label, value)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form.addRow("Theme", self.theme)
        # A number box and a short choice, as wide as the Study tab's number boxes: stretched
        # across the tab, "15" sat at the left of a 490 px box.
        self.font_size.setMaximumWidth(NUMBER_WIDTH)
        self.theme.ensurePolished()  # the style sheet's font, to measure its longest choice by
        self.theme.setMaximumWidth(max(NUMBER_WIDTH, self.theme.sizeHint().width()))
        return tab

    # -- parameters ---------------------------------------------------------------------------
    def show_parameters(self, parameters: tuple[float, ...]) -> None:
        """Show ``parameters`` (``()``: the published defaults), e.g. after Optimize."""
        self._parameters = parameters
        self.parameters.setPlainText(format_parameters(parameters or DEFAULT_PARAMETERS))

    def reset_parameters(self) -> None:
        self.show_parameters(())

    def _typed_parameters(self) -> tuple[float, ...]:
        """The parameters in the box (``()`` when they are the published ones).

        Raises:
            ParameterError: not 21 (or 17 or 19) numbers.
        """
        typed = parse_parameters(self.parameters.toPlainText())
        if not typed or format_parameters(typed) == format_parameters(DEFAULT_PARAMETERS):
            return ()
        if self._parameters and format_parameters(typed) == format_parameters(self._parameters):
            return self._parameters  # unchanged: keep every decimal
        return typed

    def _show_parameters_state(self) -> None:
        try:
            typed = self._typed_parameters()
        except ParameterError as exc:
            self.parameters_state.setText(f"Not usable: {exc}.")
            return
        self.parameters_state.setText(
            "The published defaults." if not typed else "Fitted to your reviews or set by you."
        )

    # -- result -------------------------------------------------------------------------------
    def _try_accept(self) -> None:
        try:
            self._result = self._settings.with_changes(
                new_per_day=self.new_per_day.value(),
                reviews_per_day=self.reviews_per_day.value(),
                learning_steps=parse_steps(self.learning_steps.text()),
                relearning_steps=parse_steps(self.relearning_steps.text()),
                rollover_hour=self.rollover_hour.value(),
                critical_retention=round(self.critical_retention.value(), 2),
                fsrs_parameters=self._typed_parameters(),
                font_size=self.font_size.value(),
                theme=self.theme.currentData(),
                leech_threshold=self.leech_threshold.value(),
                leech_suspend=self.leech_suspend.isChecked(),
                current_module=int(self.current_module.currentData()),
            )
        except ValueError as exc:
            self.error.setText(str(exc)[:1].upper() + str(exc)[1:] + ".")
            self.error.setVisible(True)
            return
        except ParameterError as exc:
            self.tabs.setCurrentIndex(1)
            self.error.setText(f"FSRS parameters: {exc}.")
            self.error.setVisible(True)
            return
        self.accept()

    def result_settings(self) -> Settings | None:
        return self._result
