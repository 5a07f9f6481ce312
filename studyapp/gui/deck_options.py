"""Deck options: which preset a deck uses, and each preset's desired retention and daily
limits (Anki's deck options presets). Edits a :class:`DeckOptions` copy; nothing is saved
until OK, and then only if every preset is valid."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studyapp.core.scheduling import RETENTION_RANGE
from studyapp.gui.messages import FORM_GAP, add_error_and_buttons
from studyapp.services.deck_options import (
    MAX_NEW_PER_DAY,
    MAX_REVIEWS_PER_DAY,
    DeckOptions,
    DeckOptionsError,
    Preset,
)
from studyapp.services.text import CRITICAL_SETTING

__all__ = ["DeckOptionsDialog"]

RETENTION_HELP = (
    "Desired retention is the chance of recalling a card that FSRS aims for at each review: "
    "higher means you remember more, at the cost of more reviews a day; 0.90 is a good "
    f"balance. Safety-critical cards use their own, higher one, set in {CRITICAL_SETTING}. The "
    "limits count "
    "for each deck on its own; Settings also caps all decks together."
)


class DeckOptionsDialog(QDialog):
    """Edits the options of one deck at a time (switchable); ``options`` holds the edits.

    Args:
        options: the presets and decks (edited in place; saved by the caller on accept).
        deck_id: the deck shown first (the first deck when None).
    """

    def __init__(
        self,
        options: DeckOptions,
        deck_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Deck options")
        self.setMinimumWidth(560)
        self.options = options
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        # Never smaller than its contents (wrapped labels included), on any screen.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)

        top = QFormLayout()

        top.setHorizontalSpacing(FORM_GAP)
        self.deck = QComboBox()
        self.deck.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.deck.setMinimumContentsLength(24)
        for deck in options.decks:
            self.deck.addItem(deck.title, deck.deck_id)
        self.deck.setToolTip("The deck whose options you are editing")
        top.addRow("Deck", self.deck)
        preset_row = QHBoxLayout()
        self.preset = QComboBox()
        self.preset.setToolTip("Decks that share a preset share its retention and limits")
        preset_row.addWidget(self.preset, 1)
        self.add_button = QPushButton("Add…")
        self.add_button.setToolTip("A new preset, starting from this one's values")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Its decks go back to the Default preset")
        for button in (self.add_button, self.rename_button, self.delete_button):
            preset_row.addWidget(button)
        top.addRow("Preset", preset_row)
        self.used_by = QLabel()
        self.used_by.setObjectName("muted")
        self.used_by.setWordWrap(True)
        top.addRow("", self.used_by)
        layout.addLayout(top)

        group = QGroupBox("This preset")
        form = QFormLayout(group)
        form.setHorizontalSpacing(FORM_GAP)
        form.setVerticalSpacing(10)
        self.retention = QDoubleSpinBox()
        self.retention.setRange(*RETENTION_RANGE)
        self.retention.setSingleStep(0.01)
        self.retention.setDecimals(2)
        form.addRow("Desired retention", self.retention)
        self.new_per_day = QSpinBox()
        self.new_per_day.setRange(0, MAX_NEW_PER_DAY)
        self.new_per_day.setToolTip("New cards each deck of this preset introduces a day")
        form.addRow("New cards per day", self.new_per_day)
        self.reviews_per_day = QSpinBox()
        self.reviews_per_day.setRange(0, MAX_REVIEWS_PER_DAY)
        self.reviews_per_day.setToolTip("Reviews each deck of this preset gives a day")
        for spin in (self.retention, self.new_per_day, self.reviews_per_day):
            spin.setMaximumWidth(160)
        form.addRow("Reviews per day", self.reviews_per_day)
        layout.addWidget(group)
        help_label = QLabel(RETENTION_HELP)
        help_label.setObjectName("muted")
        help_label.setWordWrap(True)
        layout.addWidget(help_label)

        self.error = add_error_and_buttons(self, layout, self._try_accept)

        self.deck.currentIndexChanged.connect(self._show_deck)
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.retention.valueChanged.connect(self._edited)
        self.new_per_day.valueChanged.connect(self._edited)
        self.reviews_per_day.valueChanged.connect(self._edited)
        self.add_button.clicked.connect(self.add_preset)
        self.rename_button.clicked.connect(self.rename_preset)
        self.delete_button.clicked.connect(self.delete_preset)
        if deck_id is not None and self.deck.findData(deck_id) >= 0:
            self.deck.setCurrentIndex(self.deck.findData(deck_id))
        self._show_deck()
        self.resize(self.sizeHint())  # the height its wrapped help needs at that width

    # -- what is shown -----------------------------------------------------------------------
    def current_deck(self) -> str | None:
        value = self.deck.currentData()
        return None if value is None else str(value)

    def current_preset(self) -> Preset | None:
        deck = self.current_deck()
        return None if deck is None else self.options.preset_of(deck)

    def _fill_presets(self) -> None:
        self._loading = True
        self.preset.clear()
        for preset in self.options.ordered():
            self.preset.addItem(preset.name, preset.id)
        current = self.current_preset()
        if current is not None:
            self.preset.setCurrentIndex(self.preset.findData(current.id))
        self._loading = False

    def _show_deck(self) -> None:
        self._fill_presets()
        self._show_preset()

    def _show_preset(self) -> None:
        preset = self.current_preset()
        self._loading = True
        enabled = preset is not None
        for widget in (self.retention, self.new_per_day, self.reviews_per_day, self.preset):
            widget.setEnabled(enabled)
        if preset is not None:
            self.retention.setValue(preset.desired_retention)
            self.new_per_day.setValue(preset.new_per_day)
            self.reviews_per_day.setValue(preset.reviews_per_day)
            others = len(self.options.decks_using(preset.id)) - 1
            self.used_by.setText(
                "Used by this deck only."
                if others <= 0
                else f"Used by this deck and {others} other{'s' if others != 1 else ''}: "
                "a change here changes them all."
            )
            self.delete_button.setEnabled(preset.id != 1)
            self.rename_button.setEnabled(True)
        self._loading = False

    # -- edits ------------------------------------------------------------------------------
    def _preset_chosen(self) -> None:
        if self._loading:
            return
        deck = self.current_deck()
        preset_id = self.preset.currentData()
        if deck is None or preset_id is None:
            return
        self.options.use(deck, int(preset_id))
        self._show_preset()

    def _edited(self) -> None:
        if self._loading:
            return
        preset = self.current_preset()
        if preset is None:
            return
        self.options.update(
            preset._replace(
                desired_retention=round(self.retention.value(), 2),
                new_per_day=self.new_per_day.value(),
                reviews_per_day=self.reviews_per_day.value(),
            )
        )

    def add_preset(self, name: str | None = None) -> None:
        current = self.current_preset()
        deck = self.current_deck()
        if current is None or deck is None:
            return
        if not name:
            name, ok = QInputDialog.getText(self, "Add preset", "Name of the new preset:")
            if not ok or not name.strip():  # (no nameless preset for OK to refuse later)
                return
        preset = self.options.add_preset(name, like=current.id)
        self.options.use(deck, preset.id)
        self._show_deck()

    def rename_preset(self, name: str | None = None) -> None:
        current = self.current_preset()
        if current is None:
            return
        if not name:
            name, ok = QInputDialog.getText(self, "Rename preset", "New name:", text=current.name)
            if not ok or not name.strip():
                return
        self.options.update(current._replace(name=name.strip()))
        self._show_deck()

    def delete_preset(self) -> None:
        current = self.current_preset()
        if current is None:
            return
        try:
            self.options.delete(current.id)
        except DeckOptionsError as exc:
            self._show_error(str(exc))
            return
        self._show_deck()

    def _show_error(self, message: str) -> None:
        self.error.setText(message[:1].upper() + message[1:] + ".")
        self.error.setVisible(True)
        # Grow to the line's height: the layout took it from the spin boxes, clipping them.
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _try_accept(self) -> None:
        try:
            self.options.check()
        except DeckOptionsError as exc:
            self._show_error(str(exc))
            return
        self.accept()
