"""Reading an import file: its encoding, its header mapped to fields, and its rows in
batches, from CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX. Nothing here touches the
database."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice, repeat
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from kewei.customers.validation import FIELD_LABELS

CHUNK = 2000

# Header names a bank's files use, Chinese and English, for each field.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_number": ("客户号", "客户编号", "customer_number", "customer no", "customer_no"),
    "name": ("姓名", "客户姓名", "客户名称", "name", "customer name", "full name"),
    "gender": ("性别", "gender", "sex"),
    "id_type": ("证件类型", "id type", "id_type", "document type"),
    "id_number": (
        "证件号码",
        "证件号",
        "身份证号",
        "身份证号码",
        "id number",
        "id_number",
        "id no",
    ),
    "birthday": ("出生日期", "生日", "birthday", "date of birth", "birth date"),
    "mobile": ("手机号码", "手机号", "手机", "移动电话", "mobile", "mobile phone", "phone"),
    "address": ("联系地址", "地址", "住址", "address"),
    "email": ("电子邮箱", "邮箱", "电子邮件", "email", "e-mail"),
    "department": (
        "归属网点",
        "开户网点",
        "网点代码",
        "机构代码",
        "department",
        "outlet",
        "branch code",
        "department code",
    ),
    "responsible_manager": (
        "客户经理",
        "客户经理工号",
        "manager",
        "customer manager",
        "responsible manager",
    ),
    "vip_flag": ("贵宾", "是否贵宾", "vip"),
    "source": ("信息来源", "来源", "source"),
}
_LOOKUP = {
    re.sub(r"[\s_\-（）()]+", "", alias).lower(): name
    for name, aliases in HEADER_ALIASES.items()
    for alias in aliases
}
REQUIRED_COLUMNS = ("name", "id_number", "mobile", "address", "department")


class ImportFileError(Exception):
    """The file itself is unusable (format, encoding, header): nothing is imported."""


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")  # a superset of GBK and GB2312
    except UnicodeDecodeError as error:
        raise ImportFileError(_("无法识别文件编码（支持 UTF-8 与 GBK/GB18030）")) from error


# A batch of rows to prepare: the line number of its first row (the header is line 1),
# and its rows; or, from a CSV file of one row a line, their text, which the process
# that prepares them parses (reading rows cost the writing process a tenth of its time).
Batch = tuple[int, "list[list[Any]] | str"]


@dataclass
class Table:
    """A file's rows after its header row, in batches."""

    columns: dict[int, str]  # column → field
    total: int  # rows after the header, blank ones included
    batches: Iterator[Batch]
    dialect: type[csv.Dialect] | None = None  # how the text of a batch is parsed
    nul: bool = False  # some cell may hold a NUL character: rows are checked for it
    size: int = CHUNK  # the rows of a full batch


def csv_rows(text: str, dialect, first: int) -> Iterator[list[str]]:
    """The CSV records of ``text``, the first one numbered ``first``; a record the csv
    module cannot read (a field over its size limit) makes the file unusable."""
    number = first
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            yield row
            number += 1
    except csv.Error as error:
        message = _("第 %(row)d 行无法读取：%(error)s") % {"row": number, "error": error}
        raise ImportFileError(message) from error


def _batch_sizes(size: int) -> Iterator[int]:
    """An eighth of ``size``, a quarter, a half, then ``size`` on: the writing process
    starts on a small first batch rather than wait for a whole one to be prepared."""
    yield from (max(1, size // 8), max(1, size // 4), max(1, size // 2))
    yield from repeat(size)


def _row_batches(rows: Iterator[list[Any]], size: int) -> Iterator[Batch]:
    number = 2
    for count in _batch_sizes(size):
        batch = list(islice(rows, count))
        if not batch:
            return
        yield number, batch
        number += len(batch)


def _line_batches(body: str, size: int) -> Iterator[Batch]:
    """The text of the lines of each batch (a row a line, the first on line 2)."""
    start, number, length = 0, 2, len(body)
    for count in _batch_sizes(size):
        if start >= length:
            return
        end = start
        for _line in range(count):
            end = body.find("\n", end) + 1
            if not end:
                end = length
                break
        yield number, body[start:end]
        start, number = end, number + count


def _one_row_a_line(text: str, dialect) -> bool:
    """Whether every line of ``text`` is one CSV record: no quoted fields (which may
    hold line breaks), no escapes, lines ended by LF or CRLF (never a lone CR)."""
    return all(
        not char or char not in text for char in (dialect.quotechar, dialect.escapechar)
    ) and text.count("\r") == text.count("\r\n")


def _csv_table(raw: bytes, size: int) -> tuple[list[Any] | None, Table]:
    text = _decode(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    if _one_row_a_line(text, dialect):
        end = text.find("\n") + 1 or len(text)
        header = next(csv_rows(text[:end], dialect, 1), None)
        body = text[end:]
        total = body.count("\n") + (bool(body) and not body.endswith("\n"))
        return header, Table({}, total, _line_batches(body, size), dialect, "\x00" in body)
    rows = csv_rows(text, dialect, 1)
    header = next(rows, None)
    total = sum(1 for _row in csv_rows(text, dialect, 1)) - 1  # parsed twice: rare
    return header, Table({}, total, _row_batches(rows, size), dialect, "\x00" in text)


def check_xlsx(source: Path | IO[bytes]) -> None:
    """Raise ImportFileError when the XLSX archive ``source`` (a path or an upload) is too
    large to read safely (``KEWEI_IMPORT_XLSX_MAX_INFLATED_BYTES``, ``..._MAX_CELLS``):
    checked before the reader loads it, and when a page takes the upload."""
    from kewei.core.xlsx import WorkbookRefused, check_workbook  # openpyxl: when needed

    try:
        check_workbook(
            source,
            max_inflated=settings.KEWEI_IMPORT_XLSX_MAX_INFLATED_BYTES,
            max_cells=settings.KEWEI_IMPORT_XLSX_MAX_CELLS,
        )
    except WorkbookRefused as error:
        raise ImportFileError(str(error)) from error


def _xlsx_table(path: Path, size: int) -> tuple[list[Any] | None, Table]:
    """The first sheet's rows (calamine, ten times faster than openpyxl), numbered as
    Excel numbers them."""
    from python_calamine import CalamineWorkbook

    check_xlsx(path)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except Exception as error:  # calamine's errors: not a workbook, damaged, encrypted
        raise ImportFileError(_("XLSX 文件无法读取：%(error)s") % {"error": error}) from error
    rows = sheet.iter_rows()  # from the first row, up to the last one used
    header = next(rows, None)
    total = sheet.end[0] if sheet.end else 0  # the last used row's index from 0
    return header, Table({}, total, _row_batches(rows, size))


def read_table(path: Path, size: int | None = None) -> Table:
    """The file's header, mapped to fields, and its rows in batches of ``size`` (CHUNK).
    Raises ImportFileError."""
    path, size = Path(path), size or CHUNK
    if not path.is_file():
        raise ImportFileError(_("文件不存在：%(path)s") % {"path": path})
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path):
        header, table = _xlsx_table(path, size)
    elif path.suffix.lower() in {".xls", ".xlsx", ".xlsm"}:
        raise ImportFileError(_("不支持的文件格式：请使用 CSV 或 XLSX（不支持旧版 XLS）"))
    else:
        raw = path.read_bytes()
        if b"\x00" in raw[:4096]:
            raise ImportFileError(_("不支持的文件格式：请使用 CSV 或 XLSX"))
        header, table = _csv_table(raw, size)
    if header is None:
        raise ImportFileError(_("文件为空"))
    table.size = size
    first: dict[str, int] = {}  # field → the column that gives it
    for index, title in enumerate(header):
        key = re.sub(r"[\s_\-（）()*]+", "", str(title or "")).lower()
        name = _LOOKUP.get(key)
        if name is None:
            continue
        if name in first:
            # Two columns of one field (two 手机号码, or 手机号码 and 手机): which one
            # holds the customer's data is not for the import to guess.
            message = _(
                "表头重复：第 %(column)d 列“%(title)s”与第 %(first)d 列“%(first_title)s”"
                "同为“%(field)s”"
            ) % {
                "column": index + 1,
                "title": str(title).strip(),
                "first": first[name] + 1,
                "first_title": str(header[first[name]]).strip(),
                "field": FIELD_LABELS[name],
            }
            raise ImportFileError(message)
        first[name] = index
        table.columns[index] = name
    missing = [f for f in REQUIRED_COLUMNS if f not in table.columns.values()]
    if len(table.columns) < 2 or missing:
        labels = "、".join(str(FIELD_LABELS[f]) for f in missing) or _("全部")
        raise ImportFileError(_("无法识别表头：缺少列 %(columns)s") % {"columns": labels})
    return table


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
