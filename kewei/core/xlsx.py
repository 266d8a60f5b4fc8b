"""Writing XLSX exports that are safe to open in a spreadsheet.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab/carriage return)
would be read as a formula (CSV/formula injection, OWASP); such text gets a leading
apostrophe-free quote character so it is shown, never evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_xlsx(
    path: Path,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_row=None,
) -> int:
    """Stream ``rows`` into a new workbook; every text cell is stored as text, not formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append([str(h) for h in headers])
    count = 0
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        count += 1
        if on_row is not None:
            on_row()
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return count
