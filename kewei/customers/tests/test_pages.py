from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from kewei.audit.models import AuditEvent
from kewei.customers import services
from kewei.customers.models import Customer
from kewei.jobs.models import JobRun
from kewei.testing import factories


def test_customer_page_shows_personal_data_masked(client, bank):
    client.force_login(bank.manager_a1)
    page = client.get(reverse("customers:customer_detail", args=[bank.customer_a1.pk]))
    html = page.content.decode()
    assert "110105********002X" in html
    assert bank.customer_a1.mobile not in html and bank.customer_a1.masked_mobile in html
    assert "11010519491231002X" not in html
    assert "北京市海淀区****" in html and "中关村大街" not in html


def test_reveal_from_the_page_is_audited(client, bank):
    client.force_login(bank.manager_a1)
    response = client.post(
        reverse("customers:customer_reveal", args=[bank.customer_a1.pk]),
        {"field": "mobile", "reason": "电话回访"},
        HTTP_HX_REQUEST="true",
    )
    assert bank.customer_a1.mobile in response.content.decode()
    event = AuditEvent.objects.get(action="customers.customer.reveal")
    assert event.note == "电话回访" and event.actor_id == bank.manager_a1.pk


def test_an_email_address_is_checked_encrypted_masked_and_revealed(client, bank):
    # given
    client.force_login(bank.manager_a1)
    form = {
        "name": "郑七",
        "id_type": "resident_id",
        "id_number": factories.resident_id("19800101"),
        "mobile": "13912345678",
        "address": "北京市海淀区学院路",
        "department": bank.outlet_a1.pk,
        "responsible_manager": bank.manager_a1.pk,
        "source": "counter",
    }
    # when: a malformed address, then a good one
    refused = client.post(reverse("customers:customer_create"), {**form, "email": "zheng@"})
    saved = client.post(reverse("customers:customer_create"), {**form, "email": "Zheng7@Bank.cn"})
    # then
    assert "不是有效的电子邮箱地址" in refused.content.decode()
    customer = Customer.objects.get(name="郑七")
    assert saved.status_code == 302 and customer.email == "zheng7@bank.cn"
    stored = Customer.objects.filter(pk=customer.pk).values_list("email", flat=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT email FROM customers_customer WHERE id = %s", [customer.pk])
        assert "zheng7" not in cursor.fetchone()[0]
    assert list(stored) == ["zheng7@bank.cn"]
    page = client.get(customer.get_absolute_url()).content.decode()
    assert "z***@bank.cn" in page and "zheng7@bank.cn" not in page
    revealed = client.post(
        reverse("customers:customer_reveal", args=[customer.pk]),
        {"field": "email", "reason": "发送对账单"},
        HTTP_HX_REQUEST="true",
    )
    assert "zheng7@bank.cn" in revealed.content.decode()


def test_create_form_refuses_contradictions_and_saves_valid_input(client, bank):
    client.force_login(bank.teller_a1)
    form = {
        "name": "郑七",
        "id_type": "resident_id",
        "id_number": "11010519491231002X",
        "gender": "M",
        "mobile": "13912345678",
        "address": "北京市海淀区学院路",
        "department": bank.outlet_a1.pk,
        "source": "counter",
    }
    refused = client.post(reverse("customers:customer_create"), form).content.decode()
    assert "与身份证号码不符" in refused and "该证件已登记为客户" not in refused
    form.update(gender="", id_number=factories.resident_id("19920202", 77))
    created = client.post(reverse("customers:customer_create"), form)
    customer = Customer.objects.get(name="郑七")
    assert created["Location"] == customer.get_absolute_url()
    assert customer.birthday.isoformat() == "1992-02-02"


def test_history_panel_shows_who_changed_what(client, bank):
    data = factories.customer_data(
        id_number=bank.customer_a1.id_number,
        name="张三",
        mobile="13900009999",
        address=bank.customer_a1.address,
        department=bank.outlet_a1,
        responsible_manager=bank.manager_a1,
    )
    services.customer_update(actor=bank.head_a1, customer=bank.customer_a1, data=data)
    client.force_login(bank.manager_a1)
    html = client.get(
        reverse("customers:customer_detail", args=[bank.customer_a1.pk])
    ).content.decode()
    assert "139****9999" in html and "13900009999" not in html
    assert bank.head_a1.full_name in html


def test_export_masks_unless_revealed_and_neutralises_formulas(
    client, bank, settings, django_capture_on_commit_callbacks
):
    # given: an address that a spreadsheet would run as a formula
    Customer.objects.filter(pk=bank.customer_a1.pk).update(address_district="=HYPERLINK(1)")
    data = factories.customer_data(
        id_number=bank.customer_a1.id_number,
        name="张三",
        mobile=bank.customer_a1.mobile,
        address='=HYPERLINK("http://x")北京市',
        department=bank.outlet_a1,
        responsible_manager=bank.manager_a1,
    )
    services.customer_update(actor=None, customer=bank.customer_a1, data=data)

    def export(user, **choice):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("customers:customer_export"), {"text": "zs", **choice})
        run = JobRun.objects.unrestricted().filter(started_by=user).latest("created_at")
        return list(load_workbook(settings.MEDIA_ROOT / run.result_file).active.values)

    # when: a supervisor (no reveal in this test) and an outlet head (reveal, asking for
    # the full values with a reason) export
    from django.contrib.auth.models import Permission

    bank.supervisor_a1.groups.first().permissions.remove(
        Permission.objects.get(codename="reveal_customer")
    )
    masked = export(bank.supervisor_a1)
    revealed = export(bank.head_a1, unmasked="on", reason="核对开户资料")
    # then
    assert masked[1][4] == "110105********002X" and masked[1][6].count("*") == 4
    assert revealed[1][4] == "11010519491231002X"
    assert revealed[1][7] == '\'=HYPERLINK("http://x")北京市'
    exports = AuditEvent.objects.filter(action="customers.export").order_by("pk")
    assert ['"unmasked": false' in e.note for e in exports] == [True, False]


def test_book_transfer_preview_shows_counts_and_assets_before_anything_moves(client, bank):
    client.force_login(bank.head_a1)
    url = reverse("customers:book_transfer")
    params = {
        "from_manager": bank.manager_a1.pk,
        "to_managers": [bank.supervisor_a1.pk],
        "reason": "调岗",
    }
    html = client.post(url, {**params, "preview": "1"}).content.decode()
    assert bank.supervisor_a1.full_name in html and "确认移交" in html
    assert "10,000.00 元" in html  # customer_a1's assets, summed in the database
    bank.customer_a1.refresh_from_db()
    assert bank.customer_a1.responsible_manager_id == bank.manager_a1.pk
    client.post(url, {**params, "confirm": "1"})
    bank.customer_a1.refresh_from_db()
    assert bank.customer_a1.responsible_manager_id == bank.supervisor_a1.pk
