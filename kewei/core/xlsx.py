"""Writing XLSX exports that are safe to open in a spreadsheet, and checking an uploaded
workbook before a reader loads it.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab/carriage return)
would be read as a formula (CSV/formula injection, OWASP); such text gets a leading
apostrophe-free quote character so it is shown, never evaluated.

A reader (calamine) loads a whole sheet into memory, as one rectangle from its first used
cell to its last: a file of a few KB with cells A1 and XFD1048576 asks for 512 GiB and
aborts the process, and a few MB of repetitive XML inflate to GBs. ``check_workbook``
reads the archive itself first, without keeping it, and refuses such a file.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat
from zipfile import ZIP_DEFLATED, ZIP_STORED, BadZipFile, ZipFile, ZipInfo

from django.utils.translation import gettext as _
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


# --- checking a workbook before it is read ----------------------------------------------


class WorkbookRefused(Exception):
    """The workbook is unusable: damaged, or too large to read safely. The message says
    why, in the active language."""


_PIECE = 1 << 22  # inflated bytes examined at a time
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header
_SHEET_DATA = re.compile(rb"<(?:[\w.-]+:)?sheetData[\s/>]")
_DIMENSION = re.compile(rb'<dimension ref="([A-Za-z]{1,3}[0-9]{1,7}(?::[A-Za-z]{1,3}[0-9]{1,7})?)"')
# A cell element after the end of the sheet data (or of what looks like it).
_CELL_AFTER = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_REFERENCE = re.compile(r"([A-Za-z]{0,3})([0-9]{1,7})")
_UTF16 = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _greater(limit: str, classes: str, upper: str) -> str:
    """A pattern for the numerals greater than ``limit`` (digits, or column letters in
    either case) whose characters are ``classes``: longer ones, and those of the same
    length that are greater from some position on."""
    alternatives = [f"[{classes}]{{{len(limit) + 1},}}"]
    for position, char in enumerate(limit.upper()):
        if char == upper:
            continue
        above = chr(ord(char) + 1)
        higher = f"{above}-{upper}" + (f"{above.lower()}-{upper.lower()}" if upper == "Z" else "")
        rest = len(limit) - position - 1
        prefix = "".join(f"[{c}{c.lower()}]" for c in limit[:position].upper())
        alternatives.append(f"{prefix}[{higher}][{classes}]{{{rest}}}")
    return "|".join(alternatives)


def _outside(rows: int, columns: int) -> re.Pattern[bytes]:
    """Cell references beyond the last row ``rows`` or the last column ``columns``."""
    letters, column = "", columns
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    beyond_column = _greater(letters, "A-Za-z", "Z")
    beyond_row = _greater(str(rows), "0-9", "9")
    return re.compile(f'<c r="(?:(?:{beyond_column})[0-9]|[A-Za-z]*(?:{beyond_row})")'.encode())


def _too_large(rows: int, columns: int, limit: int) -> WorkbookRefused:
    return WorkbookRefused(
        _("XLSX 工作表过大：%(rows)d 行 × %(columns)d 列，超过 %(limit)d 个单元格的上限")
        % {"rows": rows, "columns": columns, "limit": limit}
    )


def _too_many_cells(limit: int) -> WorkbookRefused:
    return WorkbookRefused(_("XLSX 工作表的单元格超过 %(limit)d 个") % {"limit": limit})


class _Irregular(Exception):
    """The quick scan cannot vouch for the sheet: it is scanned exactly."""


class _QuickScan:
    """A sheet whose every cell element starts ``<c r="``, after a ``<dimension>``: the
    declared size is checked, and every reference is searched for one beyond it (a
    regular expression over the text, no parsing)."""

    def __init__(self, max_cells: int) -> None:
        self.max_cells = max_cells
        self.cells = 0
        self.state = "before"  # "data" in the sheet data, "after" it
        self.started = False
        self.head = b""  # before the sheet data: the text the dimension may be in
        self.beyond: re.Pattern[bytes] | None = None

    def feed(self, text: bytes) -> None:
        if self.state == "before":
            if not self.started and text.startswith(_UTF16):
                raise _Irregular  # UTF-16 text: read by a parser
            self.started = True
            self.head += text
            found = _SHEET_DATA.search(self.head)
            if found is None:
                self.head = self.head[-65536:]  # where the dimension may be
                return
            if found.group() != b"<sheetData>":
                raise _Irregular  # a prefix, attributes, an empty element
            dimension = _DIMENSION.search(self.head, 0, found.start())
            if dimension is None:
                raise _Irregular  # no declared size: every cell is placed
            last = dimension.group(1).decode().split(":")[-1]
            letters, digits = _REFERENCE.fullmatch(last).groups()
            rows, columns = int(digits), _column_number(letters)
            if rows * columns > self.max_cells:
                raise _too_large(rows, columns, self.max_cells)
            self.beyond = _outside(rows, columns)
            self.state, text = "data", self.head[found.end() :]
            self.head = b""
        if self.state == "data":
            end = text.find(b"</sheetData>")
            data, rest = (text, b"") if end < 0 else (text[:end], text[end:])
            # A cell element that does not start <c r=", a comment, CDATA or a processing
            # instruction: the quick scan cannot place it, the exact one does.
            cells = data.count(b'<c r="')
            if data.count(b"<c") != cells or b"<!" in data or b"<?" in data:
                raise _Irregular
            if self.beyond.search(data):
                raise WorkbookRefused(_("XLSX 工作表有单元格超出其声明的范围"))
            self.cells += cells
            if self.cells > self.max_cells:
                raise _too_many_cells(self.max_cells)
            if end < 0:
                return
            self.state, text = "after", rest
        if _CELL_AFTER.search(text):
            raise _Irregular  # a cell after the end: a reader may still take it

    def close(self) -> None:
        pass


class _ExactScan:
    """Every cell placed as the reader places it (``r`` when given, else the next
    column of the row; rows by their ``r`` or counted), with an XML parser: slower,
    for sheets the quick scan cannot vouch for."""

    def __init__(self, max_cells: int) -> None:
        self.max_cells = max_cells
        self.cells = self.row = self.column = self.rows = self.columns = 0
        self.data = False
        parser = self.parser = expat.ParserCreate()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.StartDoctypeDeclHandler = self.doctype

    def doctype(self, *args) -> None:
        raise WorkbookRefused(_("XLSX 文件无法读取：%(error)s") % {"error": "DOCTYPE"})

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "sheetData":
            self.data = True
        elif not self.data:
            return
        elif local == "row":
            if "r" in attributes:
                self.row = self.place(attributes["r"])[0]
        elif local == "c":
            row, column = self.row, self.column
            if "r" in attributes:
                row, column = self.place(attributes["r"])
            self.column = column + 1
            self.cells += 1
            if self.cells > self.max_cells:
                raise _too_many_cells(self.max_cells)
            if row >= self.rows or column >= self.columns:
                self.rows, self.columns = max(self.rows, row + 1), max(self.columns, column + 1)
                if self.rows * self.columns > self.max_cells:
                    raise _too_large(self.rows, self.columns, self.max_cells)

    @staticmethod
    def place(reference: str) -> tuple[int, int]:
        """(row, column) from 0 of a reference (``B3``; a row's is its number alone)."""
        found = _REFERENCE.fullmatch(reference)
        if found is None:
            error = _("无法识别的单元格位置“%(reference)s”") % {"reference": reference[:20]}
            raise WorkbookRefused(_("XLSX 文件无法读取：%(error)s") % {"error": error})
        return int(found.group(2)) - 1, _column_number(found.group(1)) - 1

    def end(self, name: str) -> None:
        if self.data and name.rpartition(":")[2] == "row":
            self.row, self.column = self.row + 1, 0

    def feed(self, text: bytes) -> None:
        self.parser.Parse(text, False)

    def close(self) -> None:
        self.parser.Parse(b"", True)


def _compressed(handle: IO[bytes], member: ZipInfo) -> Iterator[bytes]:
    """The member's bytes as stored, from its local header on: what a reader inflates,
    whatever sizes the archive declares."""
    handle.seek(member.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise BadZipFile(member.filename)
    name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
    handle.seek(name_length + extra_length, 1)
    left = member.compress_size
    while left > 0:
        block = handle.read(min(left, 1 << 20))
        if not block:
            raise BadZipFile(member.filename)
        left -= len(block)
        yield block


def _inflated(handle: IO[bytes], member: ZipInfo) -> Iterator[bytes]:
    if member.compress_type == ZIP_STORED:
        yield from _compressed(handle, member)
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for block in _compressed(handle, member):
        while not inflater.eof:
            piece = inflater.decompress(block, _PIECE)
            if piece:
                yield piece
            block = inflater.unconsumed_tail
            if not block and len(piece) < _PIECE:
                break  # the next block's turn (a full piece may leave output pending)


def check_workbook(source: Path | IO[bytes], *, max_inflated: int, max_cells: int) -> None:
    """Raise :class:`WorkbookRefused` unless the XLSX archive ``source`` (a path or a
    binary file) can be read within ``max_inflated`` bytes of inflated members and
    ``max_cells`` cells per sheet, counted as the rectangle a reader builds (from A1 to
    the last row and column used) and one by one. Every member is inflated from its
    compressed bytes, a piece at a time, never trusting the sizes it declares."""
    handle = open(source, "rb") if isinstance(source, (str, Path)) else source
    try:
        with ZipFile(handle) as archive:
            members = archive.infolist()
        inflated = sum(member.file_size for member in members)
        if inflated > max_inflated:
            raise _inflated_too_large(max_inflated)
        inflated = 0
        for member in members:
            if member.flag_bits & 0x1:
                raise WorkbookRefused(_("XLSX 文件已加密，无法读取"))
            if member.compress_type not in (ZIP_STORED, ZIP_DEFLATED):
                raise WorkbookRefused(_("XLSX 文件使用了不支持的压缩方式"))
            inflated = _scan_member(handle, member, inflated, max_inflated, max_cells)
    except (BadZipFile, zlib.error, expat.ExpatError, OSError, EOFError) as error:
        raise WorkbookRefused(_("XLSX 文件无法读取：%(error)s") % {"error": error}) from error
    finally:
        if handle is not source:
            handle.close()
        else:
            handle.seek(0)


def _inflated_too_large(limit: int) -> WorkbookRefused:
    return WorkbookRefused(
        _("XLSX 文件过大：解压后超过 %(limit)d MB") % {"limit": max(1, limit >> 20)}
    )


def _scan_member(handle, member: ZipInfo, inflated: int, max_inflated: int, max_cells: int):
    """Inflate one member, scanning it as a sheet (quickly, or exactly when the quick
    scan cannot vouch for it); returns the bytes inflated so far."""
    start = inflated
    for scanner in (_QuickScan(max_cells), _ExactScan(max_cells)):
        inflated, tail = start, b""
        try:
            for piece in _inflated(handle, member):
                inflated += len(piece)
                if inflated > max_inflated:
                    raise _inflated_too_large(max_inflated)
                # Whole tags only: the text up to the last "<" now, the rest after
                # (a tag longer than a piece is cut after its first piece: a reference
                # so long shows as beyond any range).
                text = tail + piece
                cut = text.rfind(b"<")
                if cut <= 0:
                    if len(text) < _PIECE:
                        tail = text
                        continue
                    cut = len(text)
                scanner.feed(text[:cut])
                tail = text[cut:]
            scanner.feed(tail)
            scanner.close()
            return inflated
        except _Irregular:
            continue
    raise AssertionError("the exact scan vouches for every sheet")  # pragma: no cover
