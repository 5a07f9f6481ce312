"""Every screen that sends the trainee to a setting names it the one way, as a menu path the
menu bar has: 'Tools → Settings… (Memory)', 'File → Backups…'. Seen in screenshots: the
damaged store's dialog wrote 'File > Backups…' where the deck list wrote 'Tools → …', the
card details and deck options said only '(Settings)', the leeches' caption named a
'lapses that make a leech' the settings do not have, and a module's tooltip a 'Settings →
Study → Course module' path no menu has."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel

from studyapp.gui.deck_options import RETENTION_HELP
from studyapp.gui.details import CardDetailsDialog
from studyapp.gui.overview import MODULE_CHOSEN_TIP
from studyapp.gui.report import NO_EXAM_DATE
from studyapp.gui.settings_dialog import SettingsDialog
from studyapp.gui.statistics import LEECHES_OFF
from studyapp.services.library import CourseModuleInfo
from studyapp.services.overview import _HELD
from studyapp.services.text import CRITICAL_SETTING
from studyapp.store.errors import RESTORE_HINT


def menu_items(window: Any) -> dict[str, set[str]]:
    """Each menu's title and the texts of its items, as the trainee reads them ('&' and the
    key after a tab left out)."""
    items: dict[str, set[str]] = {}
    for top in window.menuBar().actions():
        menu = top.menu()
        title = top.text().replace("&", "")
        items[title] = {a.text().replace("&", "").split("\t")[0] for a in menu.actions()}
    return items


def settings_rows(synced: Any, qtbot: Any) -> dict[str, set[str]]:
    """Each settings tab's name and the labels of its rows (with a course's modules, so
    that the row choosing one is there)."""
    modules = [CourseModuleInfo(1, "Basics", None), CourseModuleInfo(2, "Later", "2026-04-01")]
    dialog = SettingsDialog(synced.settings, modules=modules)
    qtbot.addWidget(dialog)
    rows: dict[str, set[str]] = {}
    for i in range(dialog.tabs.count()):
        labels = set()
        tab = dialog.tabs.widget(i)
        assert tab is not None
        for form in tab.findChildren(QFormLayout):
            for row in range(form.rowCount()):
                item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                label = item.widget() if item is not None else None
                if isinstance(label, QLabel):
                    labels.add(label.text())
        rows[dialog.tabs.tabText(i).replace("&", "")] = labels
    return rows


def test_every_pointer_to_a_setting_is_a_menu_path_the_menus_have(
    qtbot: Any, window: Any, synced: Any
) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    first = review.card
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, Qt.Key.Key_3)
    details = CardDetailsDialog(review.session, first)
    qtbot.addWidget(details)
    texts = [
        RESTORE_HINT,
        RETENTION_HELP,
        LEECHES_OFF,
        MODULE_CHOSEN_TIP,
        CRITICAL_SETTING,
        NO_EXAM_DATE,
        details.memory.text(),
        _HELD["settings"],
        _HELD["deck options"],
    ]
    menus = menu_items(window)
    tabs = settings_rows(synced, qtbot)
    for text in (t.replace("\u00a0", " ") for t in texts):
        pointers = 0
        assert not re.search(r"\b(File|Study|Tools|Help) > ", text), text
        assert "(Settings)" not in text, text
        for found in re.finditer(r"(\w+) → ", text):
            assert found.group(1) in menus, text
            rest = text[found.end() :]
            item = next((i for i in menus[found.group(1)] if rest.startswith(i)), None)
            assert item is not None, f"{text!r}: no item of {found.group(1)} starts {rest!r}"
            pointers += 1
            if item == "Settings…":
                tab = re.match(r"Settings… \((\w+)\)", rest)
                assert tab is not None and tab.group(1) in tabs, text
        named = re.match(r".*set (.+?) in Tools → Settings… \((\w+)\)", text)
        if named:
            assert named.group(1) in tabs[named.group(2)], text
        assert pointers, f"{text!r} names no menu path"
    assert "Tools → Deck options…" in details.memory.text()
    assert "Leech after" in LEECHES_OFF and "Course module" in MODULE_CHOSEN_TIP


def test_the_report_without_an_exam_date_names_where_one_is_set(qtbot: Any, window: Any) -> None:
    """The supervisor's report said 'No exam date is set. In Settings, …': Settings has no
    exam date; the statistics' Readiness tab sets it ('My exam is on')."""
    assert "Settings" not in NO_EXAM_DATE
    qtbot.keyClick(window.overview, Qt.Key.Key_T)
    screen = window.statistics
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    tabs = [screen.tabs.tabText(i) for i in range(screen.tabs.count())]
    tab = re.search(r"the (\w+) tab of Tools → Statistics \(([^)]*)\)", NO_EXAM_DATE)
    assert tab is not None and tab.group(1) in tabs
    assert screen.exam_enabled.text() == tab.group(2)
