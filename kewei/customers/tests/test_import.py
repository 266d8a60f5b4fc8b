import csv
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from kewei.audit.models import AuditEvent
from kewei.core.progress import SilentProgress
from kewei.core.scope import scope_activated
from kewei.customers.importing import ImportFileError, import_customers
from kewei.customers.models import Customer
from kewei.organisation.selectors import data_scope_for
from kewei.testing.factories import resident_id

HEADER_ZH = [
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "手机号码",
    "联系地址",
    "归属网点",
    "客户经理",
    "金融资产",
]
HEADER_EN = [
    "Name",
    "ID Type",
    "ID Number",
    "Gender",
    "Mobile",
    "Address",
    "Outlet",
    "Manager",
    "AUM",
]
GOOD_1 = resident_id("19820304", 101)
GOOD_2 = resident_id("19950621", 202, male=False)


def _rows(bank):
    return [
        [
            "赵一",
            "身份证",
            GOOD_1,
            "男",
            "13900000001",
            "北京市海淀区学院路1号",
            "110101",
            bank.manager_a1.employee_number,
            "120000.50",
        ],
        [
            "钱二",
            "居民身份证",
            GOOD_2.lower(),
            "",
            "+86 139 0000 0002",
            "北京市朝阳区建国路2号",
            "110102",
            "",
            "",
        ],
        [
            "孙三",
            "身份证",
            "11010519491231003X",
            "女",
            "13900000003",
            "北京市东城区",
            "110101",
            "",
            "",
        ],
        [
            "吴四",
            "身份证",
            resident_id("19880808", 303),
            "女",
            "13900000004",
            "北京市西城区",
            "110101",
            "",
            "",
        ],
        ["周五", "身份证", GOOD_1, "男", "13900000005", "北京市海淀区", "110101", "", ""],
        ["", "", "", "", "", "", "", "", ""],
    ]


def _csv(path, header, rows, encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _xlsx(path, header, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture(params=["utf-8", "utf-8-sig", "gbk", "xlsx"])
def good_and_bad_file(request, tmp_path, bank):
    header = HEADER_EN if request.param == "utf-8" else HEADER_ZH
    if request.param == "xlsx":
        return _xlsx(tmp_path / "customers.xlsx", header, _rows(bank))
    return _csv(tmp_path / f"customers-{request.param}.csv", header, _rows(bank), request.param)


def test_each_encoding_imports_good_rows_and_reports_bad_ones(bank, good_and_bad_file):
    result = import_customers(good_and_bad_file)
    assert (result.imported, result.updated, result.unchanged, result.rejected) == (2, 0, 0, 3)
    reasons = [(e.row, e.column, e.reason) for e in result.errors]
    assert (4, "证件号码", "身份证号码校验位错误") in reasons
    assert (5, "性别", "与身份证号码不符（号码表明为男）") in reasons
    assert (6, "证件号码", "与第 2 行的证件号码重复") in reasons
    zhao = Customer.objects.get(name="赵一")
    assert zhao.responsible_manager_id == bank.manager_a1.pk
    # The file's assets column is not taken: assets come from the daily feed's holdings.
    assert zhao.aum == 0
    qian = Customer.objects.get(name="钱二")
    assert (qian.id_number, qian.mobile, qian.gender) == (GOOD_2, "13900000002", "F")
    assert not Customer.objects.filter(name__in=["孙三", "吴四", "周五"]).exists()


def test_reimport_changes_nothing_and_changed_rows_update(bank, tmp_path):
    path = _csv(tmp_path / "a.csv", HEADER_ZH, _rows(bank)[:2], "utf-8")
    first = import_customers(path)
    events = AuditEvent.objects.count()
    again = import_customers(path)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditEvent.objects.count() == events + 1  # only the import's own summary
    rows = _rows(bank)[:2]
    rows[1][5] = "北京市朝阳区望京街9号"
    changed = import_customers(_csv(tmp_path / "b.csv", HEADER_ZH, rows, "utf-8"))
    assert (changed.imported, changed.updated, changed.unchanged) == (0, 1, 1)
    assert Customer.objects.get(name="钱二").address == "北京市朝阳区望京街9号"
    assert first.imported == 2


def test_dry_run_writes_nothing(bank, tmp_path):
    path = _csv(tmp_path / "a.csv", HEADER_ZH, _rows(bank), "utf-8")
    before = (Customer.objects.count(), AuditEvent.objects.count())
    result = import_customers(path, dry_run=True)
    assert (result.imported, result.rejected) == (2, 3)
    assert (Customer.objects.count(), AuditEvent.objects.count()) == before


def test_rows_outside_the_importers_scope_are_rejected(bank, tmp_path):
    rows = [
        [
            "王五",
            "身份证",
            bank.customer_b1.id_number,
            "",
            "13700000000",
            "上海市浦东新区",
            "110101",  # an outlet in reach: the customer itself is out of scope
            "",
            "",
        ]
    ]
    path = _csv(tmp_path / "a.csv", HEADER_ZH, rows, "utf-8")
    with scope_activated(data_scope_for(bank.head_a1)):
        result = import_customers(path, actor=bank.head_a1)
    assert result.rejected == 1 and "不在您的数据权限范围内" in result.errors[0].reason
    bank.customer_b1.refresh_from_db()
    assert bank.customer_b1.mobile != "13700000000"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02binary", "不支持的文件格式"),
        ("姓名,爱好\n张三,书法\n".encode(), "无法识别表头"),
        (b"", "文件为空"),
    ],
)
def test_unusable_files(bank, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        import_customers(path)


def test_a_zip_that_is_not_a_workbook_is_an_unusable_file(bank, tmp_path):
    import zipfile

    path = tmp_path / "customers.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(ImportFileError, match="XLSX 文件无法读取"):
        import_customers(path)


def test_xlsx_rows_keep_their_excel_numbers(bank, tmp_path):
    rows = _rows(bank)
    rows.insert(1, [None] * len(HEADER_ZH))  # a blank line 3 in the sheet
    result = import_customers(_xlsx(tmp_path / "gap.xlsx", HEADER_ZH, rows), dry_run=True)
    assert (5, "证件号码", "身份证号码校验位错误") in [
        (e.row, e.column, e.reason) for e in result.errors
    ]


def test_command_summary_report_and_exit_codes(bank, tmp_path):
    good = _csv(tmp_path / "good.csv", HEADER_ZH, _rows(bank)[:2], "gbk")
    out = StringIO()
    call_command("import_customers", str(good), no_progress=True, stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == "imported 2, updated 0, unchanged 0, rejected 0"

    mixed = _csv(tmp_path / "mixed.csv", HEADER_ZH, _rows(bank), "utf-8")
    report = tmp_path / "report.csv"
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_customers",
            str(mixed),
            "--report",
            str(report),
            no_progress=True,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert exit_info.value.code == 1
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "行号,列,原因" and lines[1] == "4,证件号码,身份证号码校验位错误"

    unusable = tmp_path / "x.csv"
    unusable.write_text("a,b\n1,2\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_customers",
            str(unusable),
            no_progress=True,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert exit_info.value.code == 2


def test_page_previews_then_imports(client, bank, tmp_path, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = _csv(tmp_path / "p.csv", HEADER_ZH, _rows(bank), "gbk")
    client.force_login(bank.retail_a)  # the rows go to two outlets of branch A
    upload = SimpleUploadedFile("客户.csv", path.read_bytes(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:customer_import"), {"file": upload})
    preview_url = response["Location"]
    page = client.get(preview_url).content.decode()
    assert "身份证号码校验位错误" in page and "确认导入" in page
    assert not Customer.objects.filter(name="赵一").exists()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(preview_url + "confirm/")
    result_page = client.get(confirmed["Location"]).content.decode()
    assert "导入结果" in result_page
    assert Customer.objects.filter(name__in=["赵一", "钱二"]).count() == 2
    assert (
        AuditEvent.objects.filter(
            action="customers.customer.create", actor_id=bank.retail_a.pk
        ).count()
        == 2
    )


def test_customer_numbers_from_the_file_must_be_new(bank, tmp_path):
    header = ["客户号", *HEADER_ZH]
    rows = [
        [bank.customer_b1.customer_number, *_rows(bank)[0]],
        ["K0001", *_rows(bank)[1]],
        [
            "K0001",
            "吴四",
            "身份证",
            resident_id("19880808", 303),
            "男",
            "13900000004",
            "北京市西城区",
            "110101",
            "",
            "",
        ],
        [
            "K-2",
            "郑十",
            "身份证",
            resident_id("19880909", 404),
            "女",
            "13900000009",
            "北京市西城区",
            "110101",
            "",
            "",
        ],
    ]
    result = import_customers(_csv(tmp_path / "n.csv", header, rows, "utf-8"))
    assert (result.imported, result.rejected) == (1, 3)
    assert {(e.row, e.column) for e in result.errors} == {
        (2, "客户号"),
        (4, "客户号"),
        (5, "客户号"),
    }
    assert Customer.objects.get(customer_number="K0001").name == "钱二"


def test_confirmed_upload_is_deleted(bank, settings, tmp_path, django_capture_on_commit_callbacks):
    from kewei.jobs.services import job_start

    upload = settings.MEDIA_ROOT / "imports" / "u.csv"
    upload.parent.mkdir(parents=True, exist_ok=True)
    _csv(upload, HEADER_ZH, _rows(bank)[:1], "utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        job_start(
            actor=bank.head_a1,
            kind="customers.import",
            params={"file": "imports/u.csv", "dry_run": True},
        )
    assert upload.exists()
    with django_capture_on_commit_callbacks(execute=True):
        job_start(
            actor=bank.head_a1,
            kind="customers.import",
            params={"file": "imports/u.csv", "dry_run": False},
        )
    assert not upload.exists()
    assert Customer.objects.filter(name="赵一").exists()


def test_stale_uploads_are_pruned(settings, db):
    import os
    import time

    folder = settings.MEDIA_ROOT / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    old, fresh = folder / "old.csv", folder / "fresh.csv"
    old.write_text("x")
    fresh.write_text("y")
    two_days_ago = time.time() - 48 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    out = StringIO()
    call_command("prune_imports", hours=24, stdout=out)
    assert not old.exists() and fresh.exists()
    assert "removed 1" in out.getvalue()


def test_worker_processes_prepare_the_same_import(bank, tmp_path, monkeypatch):
    # Chunks of two rows, prepared by two forked workers while this process writes:
    # the duplicate (row 6 repeats row 2) spans chunks, a blank line sits in a chunk.
    from kewei.audit.services import diff, snapshot
    from kewei.customers import importing
    from kewei.customers.services import CUSTOMER_FIELDS

    monkeypatch.setattr(importing, "CHUNK", 2)
    path = _csv(tmp_path / "w.csv", HEADER_ZH, _rows(bank), "gbk")
    in_process, forked = SilentProgress(), SilentProgress()
    in_process_result = import_customers(path, workers=0, dry_run=True, progress=in_process)
    result = import_customers(path, workers=2, progress=forked)
    assert (in_process_result.workers, result.workers) == (0, 2)
    # The progress counts the rows after the header, the blank line too, either way.
    assert (in_process.total, in_process.done) == (forked.total, forked.done) == (6, 6)
    in_process = in_process_result
    assert (result.imported, result.updated, result.unchanged, result.rejected) == (2, 0, 0, 3)
    errors = [(e.row, e.column, e.reason) for e in result.errors]
    assert errors == [(e.row, e.column, e.reason) for e in in_process.errors]
    assert (4, "证件号码", "身份证号码校验位错误") in errors
    assert (5, "性别", "与身份证号码不符（号码表明为男）") in errors
    assert (6, "证件号码", "与第 2 行的证件号码重复") in errors
    zhao = Customer.objects.get(name="赵一")
    assert zhao.responsible_manager_id == bank.manager_a1.pk
    assert zhao.assignments.get(ended_at__isnull=True).manager_id == bank.manager_a1.pk
    created = AuditEvent.objects.get(action="customers.customer.create", subject_id=str(zhao.pk))
    assert created.changes == diff(None, snapshot(zhao, CUSTOMER_FIELDS))
    assert created.subject_label == f"赵一（{zhao.customer_number}）"
    # Each new customer's own assets row (0 元) and creation event, by its id.
    for customer in Customer.objects.filter(name__in=["赵一", "钱二"]):
        assert customer.assets.aum == 0
        event = AuditEvent.objects.get(
            action="customers.customer.create", subject_id=str(customer.pk)
        )
        assert event.changes["customer_number"]["after"] == customer.customer_number
        assert event.changes["name"]["after"] == customer.name

    rows = _rows(bank)[:2]
    rows[1][5] = "北京市朝阳区望京街9号"
    path = _csv(tmp_path / "w2.csv", HEADER_ZH, rows, "utf-8")
    # A file of one chunk is prepared in this process, whatever the workers.
    assert import_customers(path, workers=2, dry_run=True).workers == 0
    monkeypatch.setattr(importing, "CHUNK", 1)
    again = import_customers(path, workers=2)
    assert again.workers == 2
    assert (again.imported, again.updated, again.unchanged, again.rejected) == (0, 1, 1, 0)
    qian = Customer.objects.get(name="钱二")
    assert qian.address == "北京市朝阳区望京街9号"
    update = AuditEvent.objects.get(action="customers.customer.update", subject_id=str(qian.pk))
    assert set(update.changes) == {"address"}


def test_customers_go_only_to_outlets_and_managers_in_the_importers_reach(bank, tmp_path):
    def row(name, seq, outlet, manager=""):
        id_number = resident_id("19800101", seq)
        return [name, "身份证", id_number, "", "13900000006", "北京市海淀区", outlet, manager, ""]

    rows = [
        row("陈六", 505, "310101"),  # another branch's outlet
        row("林七", 606, "110101", bank.manager_b1.employee_number),  # another branch's manager
        row("何八", 707, "110101", bank.teller_a1.employee_number),  # a teller keeps no book
        row("郭九", 808, "110101", bank.manager_a1.employee_number),
    ]
    path = _csv(tmp_path / "r.csv", HEADER_ZH, rows, "utf-8")
    with scope_activated(data_scope_for(bank.head_a1)):
        result = import_customers(path, actor=bank.head_a1)
    assert (result.imported, result.rejected) == (1, 3)
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "归属网点"),
        (3, "客户经理"),
        (4, "客户经理"),
    ]
    assert "不在您负责的范围内" in result.errors[0].reason
    names = set(Customer.objects.unrestricted().values_list("name", flat=True))
    assert "郭九" in names and not names & {"陈六", "林七", "何八"}


def test_reimport_changes_search_columns_and_assignment_and_keeps_left_out_columns(bank, tmp_path):
    from kewei.core.masking import mask_mobile
    from kewei.customers.services import mobile_index

    customer = bank.customer_a1  # registered at the counter, in manager_a1's book
    customer.email = "zhang@bank.cn"
    customer.save()
    source, mobile = customer.source, customer.mobile
    header = ["姓名", "证件号码", "手机号码", "联系地址", "归属网点", "客户经理"]
    row = [
        "张三",
        customer.id_number,
        "13911112222",
        customer.address,
        "110101",
        bank.supervisor_a1.employee_number,
    ]
    result = import_customers(_csv(tmp_path / "c.csv", header, [row], "utf-8"))
    assert (result.updated, result.unchanged, result.rejected) == (1, 0, 0)
    customer.refresh_from_db()
    assert (customer.mobile, customer.responsible_manager_id) == (
        "13911112222",
        bank.supervisor_a1.pk,
    )
    # Columns the file leaves out (e-mail, source) stay as they were.
    assert (customer.email, customer.source) == ("zhang@bank.cn", source)
    # The search columns follow: an exact search by the new mobile finds the customer.
    assert Customer.objects.get(mobile_index=mobile_index("13911112222")) == customer
    history = customer.assignments.order_by("started_at", "pk")
    assert [(a.manager_id, a.ended_at is None) for a in history] == [
        (bank.manager_a1.pk, False),
        (bank.supervisor_a1.pk, True),
    ]
    event = AuditEvent.objects.get(action="customers.customer.update", subject_id=str(customer.pk))
    assert set(event.changes) == {"mobile", "responsible_manager"}
    assert event.changes["mobile"] == {"before": mask_mobile(mobile), "after": "139****2222"}
    again = import_customers(_csv(tmp_path / "c2.csv", header, [row], "utf-8"))
    assert (again.updated, again.unchanged) == (0, 1)


def test_a_vip_customer_cannot_lose_its_manager_through_an_import(bank, tmp_path):
    customer = bank.customer_a1
    customer.vip_flag = True
    customer.save()
    header = ["姓名", "证件号码", "手机号码", "联系地址", "归属网点", "客户经理"]
    row = ["张三", customer.id_number, customer.mobile, customer.address, "110101", ""]
    result = import_customers(_csv(tmp_path / "v.csv", header, [row], "utf-8"))
    assert result.rejected == 1
    assert result.errors[0].reason == "贵宾客户必须指定客户经理（人户合一）"
    customer.refresh_from_db()
    assert customer.responsible_manager_id == bank.manager_a1.pk


@pytest.mark.parametrize("workers", [0, 2])
def test_quoted_fields_over_several_lines_keep_the_row_numbers(
    bank, tmp_path, monkeypatch, workers
):
    # A quoted address holds a line break and a comma: the file is no longer one row a
    # line, and rows keep their numbers in the file's records (as a spreadsheet shows).
    from kewei.customers import importing

    monkeypatch.setattr(importing, "CHUNK", 2)
    rows = _rows(bank)
    rows[1][5] = "北京市朝阳区建国路2号\n3单元, 501室"
    path = _csv(tmp_path / "quoted.csv", HEADER_ZH, rows, "utf-8")
    assert b'"' in path.read_bytes()
    progress = SilentProgress()
    result = import_customers(path, workers=workers, progress=progress)
    assert result.workers == workers
    assert (result.imported, result.rejected, progress.total, progress.done) == (2, 3, 6, 6)
    reasons = [(e.row, e.column, e.reason) for e in result.errors]
    assert (4, "证件号码", "身份证号码校验位错误") in reasons
    assert (6, "证件号码", "与第 2 行的证件号码重复") in reasons
    assert Customer.objects.get(name="钱二").address == "北京市朝阳区建国路2号\n3单元, 501室"


@pytest.mark.parametrize("quoted", [False, True])
@pytest.mark.parametrize("workers", [0, 2])
def test_an_unreadable_row_makes_the_file_unusable(bank, tmp_path, monkeypatch, quoted, workers):
    # A field over the csv module's limit in row 151: the row is named, nothing written.
    from kewei.customers import importing

    monkeypatch.setattr(importing, "CHUNK", 50)
    lines = [",".join(HEADER_ZH[:7])] + [
        f"客户{n},身份证,{resident_id('19800101', n)},,139{n:08d},北京市,110101"
        for n in range(1, 201)
    ]
    if quoted:
        lines[1] = lines[1].replace("北京市", '"北京市,海淀区"')
    lines.insert(150, "长" * 200_000 + ",身份证")
    path = tmp_path / "long.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = Customer.objects.count()
    with pytest.raises(ImportFileError, match="第 151 行无法读取"):
        import_customers(path, workers=workers)
    assert Customer.objects.count() == before


def test_a_failed_write_stops_the_workers_and_writes_nothing(bank, tmp_path, monkeypatch):
    # The second chunk fails to write (a full disk, say): the workers preparing the next
    # ones are stopped and waited for before the error leaves the import, not when the
    # last reference to the error goes (here pytest's record of it keeps it).
    import os

    from kewei.customers import importing

    monkeypatch.setattr(importing, "CHUNK", 20)
    lines = [",".join(HEADER_ZH[:7])] + [
        f"客户{n},身份证,{resident_id('19800101', n)},,139{n:08d},北京市,110101"
        for n in range(1, 201)
    ]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    forked, fork = [], os.fork

    def recording_fork():
        pid = fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)
    write, written = importing._Importer.write_chunk, []

    def failing_write(importer, chunk):
        if written:
            raise OSError("磁盘已满")
        written.append(chunk)
        write(importer, chunk)

    monkeypatch.setattr(importing._Importer, "write_chunk", failing_write)
    before = Customer.objects.count()
    with pytest.raises(OSError, match="磁盘已满") as raised:
        import_customers(path, workers=2)
    assert raised.value.args == ("磁盘已满",)
    assert len(forked) == 2
    for pid in forked:
        with pytest.raises(ChildProcessError):  # not a child any more: waited for
            os.waitpid(pid, os.WNOHANG)
    assert Customer.objects.count() == before


@pytest.mark.parametrize("quoted", [False, True])
def test_a_nul_character_in_a_row_rejects_the_row(bank, tmp_path, quoted):
    # Past the first 4 KB (which are checked for binary content), the csv module reads a
    # NUL as text; the row is rejected naming the column, as PostgreSQL would refuse it.
    lines = [",".join(HEADER_ZH[:7])] + [
        f"客户{n},身份证,{resident_id('19800101', n)},,139{n:08d},北京市,110101"
        for n in range(1, 121)
    ]
    if quoted:
        lines[1] = lines[1].replace("北京市", '"北京市,海淀区"')
    lines[100] = lines[100].replace("客户", "客\x00户", 1)
    path = tmp_path / "nul.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.read_bytes().index(b"\x00") > 4096
    result = import_customers(path)
    assert (result.imported, result.rejected) == (119, 1)
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (101, "姓名", "不能包含空字符（NUL）。")
    ]
