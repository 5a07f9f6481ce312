"""A model's answer to a view's ``multiData``: every role a delegate asks of a cell, in one
call into Python (Qt's default asks :meth:`QAbstractItemModel.data` once a role, 7 calls a
painted cell; issue 19)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan

__all__ = ["fill_roles"]


def fill_roles(
    span: QModelRoleDataSpan | QModelRoleData, answer: Callable[[int], object] | None
) -> None:
    """Set each item of ``span`` (a span, or a single item) to ``answer(role)``, and clear
    it when the answer is None (every item without ``answer``: no such cell). A delegate
    reuses its items from cell to cell (QStyledItemDelegate keeps one array of them): an
    item left alone shows what the last cell had (the browser painted every row after a
    suspended card in its tint)."""
    if isinstance(span, QModelRoleData):
        items: Sequence[QModelRoleData] = (span,)
        size = 1
    else:  # PySide6 indexes a span, which its stubs do not say
        items = cast("Sequence[QModelRoleData]", span)
        size = span.size()
    for i in range(size):
        item = items[i]
        value = None if answer is None else answer(item.role())
        if value is None:
            item.clearData()
        else:
            item.setData(value)
