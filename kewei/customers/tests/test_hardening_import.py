"""Files an import must refuse before reading them: workbooks too large to hold in
memory (a sheet spanning A1 to XFD1048576, XML that inflates a thousandfold) and headers
that give one field twice."""

import os
import struct
import subprocess
import sys
import zipfile
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from kewei.customers.importing import ImportFileError, check_xlsx, import_customers
from kewei.customers.models import Customer
from kewei.customers.tests.test_import import HEADER_ZH, _csv, _rows, _xlsx
from kewei.jobs.models import JobRun

_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    return '<row r="1">' + "".join(_cell(f"{chr(65 + i)}1", t) for i, t in enumerate(HEADER_ZH))


def _workbook(path, sheet_data: str, dimension: str | None = None, prefix: str = ""):
    """A workbook written by hand (as an attacker would): one sheet of ``sheet_data``."""
    tag = f"{prefix}:" if prefix else ""
    namespace = f"xmlns:{prefix}" if prefix else "xmlns"
    declared = f'<{tag}dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><{tag}worksheet {namespace}="{_MAIN}">'
        f"{declared}<{tag}sheetData>{sheet_data}</{tag}sheetData></{tag}worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


# The 1,654-byte file of the probe: cells A1 and XFD1048576, a reader's 512 GiB.
CORNERS = _header_row() + "</row>" + '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>"


def test_the_command_refuses_a_sheet_from_a1_to_xfd1048576_with_exit_2(tmp_path):
    # given: in a process of its own, which the reader would abort (exit 134)
    path = _workbook(tmp_path / "corners.xlsx", CORNERS, dimension="A1:XFD1048576")
    environment = {**os.environ, "KEWEI_VAR_DIR": str(tmp_path / "var")}
    # when
    finished = subprocess.run(
        [sys.executable, "-m", "kewei.cli", "import_customers", str(path), "--no-progress"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    # then
    assert finished.returncode == 2, finished.stderr[-2000:]
    assert (
        "文件无法导入 / unusable file: XLSX 工作表过大：1048576 行 × 16384 列，"
        "超过 10000000 个单元格的上限"
    ) in finished.stderr


@pytest.mark.parametrize(
    ("dimension", "prefix", "message"),
    [
        # declared as large as it is
        ("A1:XFD1048576", "", "XLSX 工作表过大：1048576 行 × 16384 列"),
        # declared small: the cell beyond the declared range gives it away
        ("A1:I1", "", "XLSX 工作表有单元格超出其声明的范围"),
        # no declared size, or a prefixed sheet: every cell is placed as the reader does
        (None, "", "XLSX 工作表过大：1048576 行 × 16384 列"),
        ("A1:I1", "x", "XLSX 工作表过大：1048576 行 × 16384 列"),
    ],
)
def test_a_sheet_spanning_too_many_cells_is_unusable_whatever_it_declares(
    bank, tmp_path, dimension, prefix, message
):
    # given
    data = CORNERS.replace("<row", f"<{prefix}:row").replace("<c ", f"<{prefix}:c ")
    data = data.replace("</row>", f"</{prefix}:row>").replace("</c>", f"</{prefix}:c>")
    path = _workbook(
        tmp_path / "corners.xlsx", data if prefix else CORNERS, dimension, prefix=prefix
    )
    # when / then
    with pytest.raises(ImportFileError, match=message):
        import_customers(path)
    assert not Customer.objects.filter(name="x").exists()


def test_cells_without_references_are_placed_and_counted(bank, tmp_path, settings):
    # given: three cells with no "r" in row 5: 5 rows of 3 columns, past a limit of 10
    settings.KEWEI_IMPORT_XLSX_MAX_CELLS = 10
    cells = "".join(f'<c t="inlineStr"><is><t>{i}</t></is></c>' for i in range(3))
    path = _workbook(tmp_path / "wide.xlsx", f'<row r="5">{cells}</row>', dimension="A1:B1")
    # when / then
    with pytest.raises(ImportFileError, match="XLSX 工作表过大：5 行 × 3 列，超过 10 个"):
        import_customers(path)


def test_a_sheet_of_more_cells_than_the_limit_is_unusable(bank, tmp_path, settings):
    # given: the same cell many times, inside a small declared range
    settings.KEWEI_IMPORT_XLSX_MAX_CELLS = 100
    path = _workbook(
        tmp_path / "many.xlsx", "<row r='1'>" + _cell("A1", "x") * 101 + "</row>", "A1:A1"
    )
    # when / then
    with pytest.raises(ImportFileError, match="XLSX 工作表的单元格超过 100 个"):
        import_customers(path)


def _inflation_bomb(path):
    """20 MB of sheet XML compressed to a few tens of KB."""
    filler = _cell("J1", "a" * 1000)
    return _workbook(path, _header_row() + filler * 20_000 + "</row>", "A1:J1")


def test_a_workbook_that_inflates_past_the_limit_is_unusable(bank, tmp_path, settings):
    # given
    settings.KEWEI_IMPORT_XLSX_MAX_INFLATED_BYTES = 2 * 1024 * 1024
    path = _inflation_bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 200_000
    # when / then
    with pytest.raises(ImportFileError, match="XLSX 文件过大：解压后超过 2 MB"):
        import_customers(path)


def test_the_sizes_an_archive_declares_are_not_trusted(bank, tmp_path, settings):
    # given: the bomb, its sheet declared (local header and directory) as 100 bytes
    settings.KEWEI_IMPORT_XLSX_MAX_INFLATED_BYTES = 2 * 1024 * 1024
    path = _inflation_bomb(tmp_path / "bomb.xlsx")
    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    raw = bytearray(path.read_bytes())
    central = raw.rindex(name.encode()) - 46  # the directory's entry, after the data
    assert raw[central : central + 4] == b"PK\x01\x02"
    struct.pack_into("<L", raw, local + 22, 100)  # uncompressed size
    struct.pack_into("<L", raw, central + 24, 100)
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(name).file_size == 100
    # when / then
    with pytest.raises(ImportFileError, match="XLSX 文件过大：解压后超过 2 MB"):
        import_customers(path)


def test_an_ordinary_workbook_passes_the_checks_and_imports(bank, tmp_path):
    # given: written by openpyxl, with its dimension, shared strings and styles
    path = _xlsx(tmp_path / "customers.xlsx", HEADER_ZH, _rows(bank))
    # when
    check_xlsx(path)
    result = import_customers(path)
    # then
    assert (result.imported, result.rejected) == (2, 3)


def test_the_upload_page_refuses_a_workbook_too_large_to_read(client, bank, tmp_path):
    # given
    path = _workbook(tmp_path / "corners.xlsx", CORNERS, dimension="A1:XFD1048576")
    client.force_login(bank.retail_a)
    upload = SimpleUploadedFile("客户.xlsx", path.read_bytes())
    # when
    response = client.post(reverse("customers:customer_import"), {"file": upload})
    # then: a form error, and no job queued
    assert response.status_code == 200
    assert "XLSX 工作表过大：1048576 行 × 16384 列" in response.content.decode()
    assert not JobRun.objects.filter(kind="customers.import").exists()


def test_the_upload_page_still_takes_an_ordinary_workbook(
    client, bank, tmp_path, django_capture_on_commit_callbacks
):
    # given
    path = _xlsx(tmp_path / "customers.xlsx", HEADER_ZH, _rows(bank))
    client.force_login(bank.retail_a)
    upload = SimpleUploadedFile("客户.xlsx", path.read_bytes())
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:customer_import"), {"file": upload})
    # then
    assert response.status_code == 302
    run = JobRun.objects.get(kind="customers.import")
    assert run.result["dry_run"] is True and run.result["imported"] == 2


# --- duplicated headers ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["utf-8", "gbk", "xlsx"])
@pytest.mark.parametrize(
    ("second", "message"),
    [
        ("手机号码", "表头重复：第 10 列“手机号码”与第 5 列“手机号码”同为“手机号码”"),
        (" 手机_号码 ", "表头重复：第 10 列“手机_号码”与第 5 列“手机号码”同为“手机号码”"),
        ("手机", "表头重复：第 10 列“手机”与第 5 列“手机号码”同为“手机号码”"),
        ("Mobile", "表头重复：第 10 列“Mobile”与第 5 列“手机号码”同为“手机号码”"),
    ],
)
def test_a_header_giving_one_field_twice_makes_the_file_unusable(
    bank, tmp_path, kind, second, message
):
    # given: a second mobile column with other numbers
    header = [*HEADER_ZH, second]
    rows = [[*row, "13800000000" if any(row) else ""] for row in _rows(bank)]
    if kind == "xlsx":
        path = _xlsx(tmp_path / "twice.xlsx", header, rows)
    else:
        path = _csv(tmp_path / "twice.csv", header, rows, kind)
    stderr = StringIO()
    # when
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_customers", str(path), no_progress=True, stdout=StringIO(), stderr=stderr
        )
    # then
    assert exit_info.value.code == 2
    assert stderr.getvalue().strip() == f"文件无法导入 / unusable file: {message}"
    assert not Customer.objects.filter(name="赵一").exists()
