"""The counter's redeem form, the gift form and the redemption receipt as branch staff use
them (issue #28): the form offers the gifts the customer can have and says why when there
are none, by the service's own checks; a new gift asks for its opening stock and picks
tiers by name; a redemption prints as a receipt, and the statement names its number;
deliveries and cancellations ask before they are made."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from kewei.audit.models import AuditEvent
from kewei.jobs.models import JobRun
from kewei.points import redemptions
from kewei.points.models import (
    Gift,
    Redemption,
    RedemptionStatus,
    StockKind,
    StockMovement,
)
from kewei.points.redemptions import (
    GiftData,
    RedemptionError,
    gift_create,
    points_redeem,
    redemption_cancel,
)
from kewei.points.tests.test_redemption import NEXT_YEAR_END, TODAY, earn, gift
from kewei.testing.factories import small_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    bank = small_bank()
    earn(bank.customer_a1, 150, NEXT_YEAR_END, "e1")
    return bank


def _redeem_page(client, bank) -> str:
    client.force_login(bank.head_a1)
    return client.get(reverse("points:redeem", args=[bank.customer_a1.pk])).content.decode()


def _offered(page: str) -> list[str]:
    select = re.search(r'<select name="gift".*?</select>', page, re.S)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0)) if select else []


# --- the redeem form: what it offers, and why nothing ------------------------------------


def test_an_empty_catalogue_says_so_instead_of_an_empty_list(bank, client):
    # given no gift in the catalogue
    # when the counter opens the redeem form
    page = _redeem_page(client, bank)
    # then it says why, and offers no list to choose from
    assert "目前没有该客户可兑换的礼品。" in page
    assert "礼品目录中没有可兑换的礼品，请联系个金部新建或上架礼品。" in page
    assert '<select name="gift"' not in page and "确认兑换" not in page


@pytest.mark.parametrize(
    ("fields", "stock", "reason"),
    [
        ({}, 0, "无库存：1 种"),
        ({"tiers": ("vip",)}, 5, "不对该客户的等级开放：1 种"),
        ({"valid_to": TODAY - dt.timedelta(days=1)}, 5, "不在兑换期内：1 种"),
        ({"valid_from": TODAY + dt.timedelta(days=1)}, 5, "不在兑换期内：1 种"),
        ({"points_price": 500}, 5, "积分不足：1 种（最低需 500 积分，该客户可用 150 积分）"),
        ({"per_customer_limit": 1}, 5, "该客户已达每客户限兑数量：1 种"),
    ],
)
def test_the_form_says_why_no_gift_is_on_offer(bank, client, fields, stock, reason):
    # given one gift the customer cannot have
    item = gift(stock=stock, **fields)
    if "per_customer_limit" in fields:
        points_redeem(
            actor=bank.head_a1,
            customer=bank.customer_a1,
            gift=item,
            quantity=1,
            outlet=bank.outlet_a1,
            idempotency_key="earlier",
        )
    # when the counter opens the redeem form
    page = _redeem_page(client, bank)
    # then it says why there is nothing to redeem
    assert "目前没有该客户可兑换的礼品。" in page
    assert f"<li>{reason}</li>" in page
    assert _offered(page) == []


def test_a_gift_of_other_outlets_is_not_offered_here(bank, client):
    # given a gift handed out only at outlet B1
    gift(stock=5, outlets=(bank.outlet_b1,))
    # when outlet A1's counter opens the form
    page = _redeem_page(client, bank)
    # then
    assert "<li>不能在本网点领取：1 种</li>" in page


def test_each_reason_is_listed_once_with_its_count(bank, client):
    # given two gifts out of stock and one too dear
    gift(code="G1", stock=0)
    gift(code="G2", stock=0)
    gift(code="G3", stock=5, points_price=900)
    gift(code="G4", stock=5, points_price=600)
    # when
    page = _redeem_page(client, bank)
    # then the reasons in the order of the checks, the cheapest price named
    reasons = re.findall(r"<li>([^<]*)</li>", page.split('data-testid="no-gift"')[1])
    assert reasons == ["积分不足：2 种（最低需 600 积分，该客户可用 150 积分）", "无库存：2 种"]


def test_the_form_lists_only_the_gifts_on_offer(bank, client):
    # given a cup in stock, a kettle sold out, a tea set withdrawn
    gift(code="CUP", name="保温杯", stock=5)
    gift(code="KETTLE", name="电水壶", stock=0)
    tea = gift(code="TEA", name="茶具", stock=5)
    redemptions.gift_withdraw(actor=None, gift=tea)
    # when
    page = _redeem_page(client, bank)
    # then only the cup is offered, and the kettle's absence is explained aside
    assert _offered(page) == ["---------", "保温杯（40 积分，库存 5）"]
    assert "目前没有该客户可兑换的礼品。" not in page
    aside = page.split('data-testid="not-offered"')[1]
    assert re.findall(r"<li>([^<]*)</li>", aside) == ["无库存：1 种"]


def test_a_gift_gone_from_the_offer_meanwhile_is_refused_with_the_reason(bank, client):
    # given the form was opened with one cup left, and the last cup went meanwhile
    item = gift(stock=1)
    _redeem_page(client, bank)
    Gift.objects.filter(pk=item.pk).update(stock=0)
    # when the counter confirms it
    response = client.post(
        reverse("points:redeem", args=[bank.customer_a1.pk]),
        {"gift": item.pk, "quantity": "1", "idempotency_key": "late"},
    )
    # then the service's reason is shown, with the form's own, and nothing is redeemed
    page = response.content.decode()
    assert response.status_code == 200
    assert "礼品库存不足。" in page and "<li>无库存：1 种</li>" in page
    assert not Redemption.objects.exists()


def test_the_form_and_the_service_refuse_by_the_same_check(bank, client):
    # given one gift that the (one) check refuses
    item = gift(stock=5)
    refusal = RedemptionError("本网点暂停兑换。", code="stock")
    with mock.patch.object(redemptions, "_gift_refusal", return_value=refusal) as check:
        # when the form is opened and the service is asked
        page = _redeem_page(client, bank)
        with pytest.raises(RedemptionError) as refused:
            points_redeem(
                actor=bank.head_a1,
                customer=bank.customer_a1,
                gift=item,
                quantity=1,
                outlet=bank.outlet_a1,
                idempotency_key="k",
            )
    # then both answered from it
    assert check.call_count == 2
    assert "<li>无库存：1 种</li>" in page
    assert refused.value.messages == ["本网点暂停兑换。"]


def test_a_counter_outside_an_outlet_is_told_so(bank, client):
    # given a gift in stock, and counter rights held at the branch
    gift(stock=5)
    bank.head_a1.department = bank.outlet_a1.parent
    bank.head_a1.save()
    # when
    page = _redeem_page(client, bank)
    # then
    assert "<li>领取机构须为启用中的网点。</li>" in page


# --- the gift form: opening stock, tiers by name -----------------------------------------


def _gift_form(**extra):
    return {"code": "cup", "name": "保温杯", "points_price": "40", "cash_price": "0", **extra}


def test_a_new_gift_asks_for_its_opening_stock(bank, client):
    client.force_login(bank.retail_a)
    url = reverse("points:gift_create")
    # the form asks for it, and refuses none or a negative one
    page = client.get(url).content.decode()
    assert 'name="opening_stock"' in page and "期初库存" in page
    missing = client.post(url, _gift_form()).content.decode()
    negative = client.post(url, _gift_form(opening_stock="-1")).content.decode()
    assert "该字段是必填项。" in missing
    assert "确保该值大于或等于0。" in negative
    assert not Gift.objects.exists()
    # when given 12
    response = client.post(url, _gift_form(opening_stock="12"))
    # then the gift starts with 12 in stock, recorded as its first receipt
    item = Gift.objects.get()
    assert response.status_code == 302 and item.stock == 12
    movement = StockMovement.objects.get(gift=item)
    assert (movement.kind, movement.quantity, movement.reason) == (
        StockKind.RECEIPT,
        12,
        "期初库存",
    )
    created = AuditEvent.objects.get(action="points.gift.create")
    assert created.changes["opening_stock"] == {"before": None, "after": 12}
    assert AuditEvent.objects.filter(action="points.gift.receipt").count() == 1
    shown = client.get(response["Location"]).content.decode()
    assert "已新建礼品 保温杯（CUP），期初库存 12 件。" in shown


def test_a_gift_with_no_opening_stock_records_no_movement(bank):
    # when
    item = gift_create(actor=None, data=GiftData(code="G1", name="茶具", points_price=10))
    # then
    assert item.stock == 0 and not StockMovement.objects.exists()


def test_a_negative_opening_stock_is_refused_by_the_service(bank):
    with pytest.raises(RedemptionError) as refused:
        gift_create(
            actor=None, data=GiftData(code="G1", name="茶具", points_price=10), opening_stock=-3
        )
    assert refused.value.message_dict == {"opening_stock": ["期初库存不能为负数。"]}
    assert not Gift.objects.exists()


def test_the_opening_stock_is_written_with_the_gift_or_not_at_all(bank):
    # given the stock receipt fails
    with mock.patch.object(redemptions, "gift_stock_move", side_effect=RuntimeError("disk")):
        # when
        with pytest.raises(RuntimeError):
            gift_create(
                actor=None,
                data=GiftData(code="G1", name="茶具", points_price=10),
                opening_stock=5,
            )
    # then no gift either
    assert not Gift.objects.exists()
    assert not AuditEvent.objects.filter(action="points.gift.create").exists()


def test_the_gift_form_picks_tiers_by_name(bank, client):
    client.force_login(bank.retail_a)
    url = reverse("points:gift_create")
    # the form lists the tiers of the scheme in force by name, as checkboxes
    page = client.get(url).content.decode()
    assert "等级代码，以逗号分隔" not in page
    assert re.search(r'type="checkbox" name="tiers" value="vip"[^>]*>\s*贵宾客户', page)
    assert re.search(r'type="checkbox" name="tiers" value="major"[^>]*>\s*大客户', page)
    # when two are ticked
    client.post(url, _gift_form(opening_stock="1", tiers=["vip", "major"]))
    # then their codes are stored, and the gift's page names them
    item = Gift.objects.get()
    assert item.tiers == ["vip", "major"]
    detail = client.get(item.get_absolute_url()).content.decode()
    assert "<dd>贵宾客户、大客户</dd>" in detail
    # and the edit form has them ticked
    edit = client.get(reverse("points:gift_update", args=[item.pk])).content.decode()
    assert re.search(r'value="vip"[^>]*checked', edit)
    assert not re.search(r'value="small"[^>]*checked', edit)


def test_a_tier_not_in_the_scheme_is_refused(bank, client):
    client.force_login(bank.retail_a)
    page = client.post(
        reverse("points:gift_create"), _gift_form(opening_stock="1", tiers=["gold"])
    ).content.decode()
    assert "选择一个有效的选项。 gold 不在可用的选项中。" in page
    assert not Gift.objects.exists()


def test_a_tier_the_scheme_no_longer_has_is_kept_on_edit(bank, client):
    # given a gift for a tier the scheme no longer has
    item = gift(stock=1, tiers=("gold", "vip"))
    client.force_login(bank.retail_a)
    url = reverse("points:gift_update", args=[item.pk])
    page = client.get(url).content.decode()
    assert "gold（现行分级方案中已没有此等级）" in page
    # when saved as shown
    client.post(url, _gift_form(code="G1", tiers=["gold", "vip"]))
    # then it is kept
    item.refresh_from_db()
    assert item.tiers == ["gold", "vip"]


# --- the receipt ------------------------------------------------------------------------


def _redeem_at_the_counter(client, bank, item, quantity=2):
    """Redeem through the counter's form; the redemption and the page it leads to."""
    client.force_login(bank.head_a1)
    url = reverse("points:redeem", args=[bank.customer_a1.pk])
    page = client.get(url).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    form = {"gift": item.pk, "quantity": str(quantity), "idempotency_key": key}
    response = client.post(url, form)
    return Redemption.objects.get(), client.get(response["Location"]).content.decode()


def test_a_redemption_prints_as_a_receipt(bank, client):
    # given two cups redeemed at outlet A1's counter
    item = gift(stock=5)
    redemption, shown = _redeem_at_the_counter(client, bank, item)
    # then the success message leads to the receipt
    receipt_url = reverse("points:redemption_receipt", args=[redemption.pk])
    assert f'<a href="{receipt_url}" data-testid="receipt-link">打印兑换凭证</a>' in shown
    # when it is opened
    response = client.get(receipt_url)
    page = response.content.decode()
    # then it shows the redemption, the customer's ID masked, and lines to sign
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", "", page)
    assert f"单号：{redemption.number}" in text
    expected = [
        "客户张三",
        f"客户号{bank.customer_a1.customer_number}",
        "证件号码110105********002X",
        "礼品保温杯（G1）",
        "数量2",
        "扣减积分80",
        "兑换后积分余额70",
        "领取网点中关村网点",
        "状态待领取",
        f"经办人{bank.head_a1.full_name}（{bank.head_a1.employee_number}）",
        "客户签字：",
        "经办人：",
    ]
    compact = re.sub(r"\s+", "", text)
    for part in expected:
        assert re.sub(r"\s+", "", part) in compact, part
    assert "11010519491231002X" not in page
    assert redemption.balance_after == 70
    # printed by the page's own script: no inline script or style under the CSP
    assert '<button type="button" class="primary" data-print' in page
    assert "onclick" not in page and "style=" not in page and "<script>" not in page


def test_a_cancelled_redemptions_receipt_is_void(bank, client):
    # given
    item = gift(stock=5)
    redemption, _shown = _redeem_at_the_counter(client, bank, item, quantity=1)
    redemption_cancel(actor=bank.head_a1, redemption=redemption, reason="换礼品")
    # when
    page = client.get(reverse("points:redemption_receipt", args=[redemption.pk])).content.decode()
    # then
    assert "此兑换已撤销，本凭证作废。" in page
    assert "已撤销" in page


def test_a_receipt_of_an_earlier_redemption_shows_no_balance_after(bank, client):
    # given a redemption kept from before the balance was recorded
    item = gift(stock=5)
    redemption, _shown = _redeem_at_the_counter(client, bank, item, quantity=1)
    Redemption.objects.filter(pk=redemption.pk).update(balance_after=None)
    # when
    page = client.get(reverse("points:redemption_receipt", args=[redemption.pk])).content.decode()
    # then
    assert re.search(r"兑换后积分余额</th><td>—</td>", page)


def test_the_list_and_the_used_form_lead_to_the_receipt(bank, client):
    # given
    item = gift(stock=5)
    redemption, _shown = _redeem_at_the_counter(client, bank, item, quantity=1)
    receipt_url = reverse("points:redemption_receipt", args=[redemption.pk])
    # then the redemption list and the form already used both link to it
    listing = client.get(reverse("points:redemption_list")).content.decode()
    again = client.get(reverse("points:redeem", args=[bank.customer_a1.pk])).content.decode()
    assert f'<a href="{receipt_url}">{redemption.number}</a>' in listing
    assert f'<a href="{receipt_url}">打印兑换凭证</a>' in again


# --- the statement names the redemption -------------------------------------------------


def test_the_statement_names_the_redemption_and_its_cancellation(
    bank, client, django_capture_on_commit_callbacks
):
    # given a redemption, cancelled
    item = gift(stock=5)
    redemption, _shown = _redeem_at_the_counter(client, bank, item, quantity=1)
    redemption_cancel(actor=bank.head_a1, redemption=redemption, reason="换礼品")
    # when the statement is shown
    page = client.get(reverse("points:statement", args=[bank.customer_a1.pk])).content.decode()
    # then both entries name its number, the redemption's linked to the receipt
    receipt_url = reverse("points:redemption_receipt", args=[redemption.pk])
    assert f'<a href="{receipt_url}" title="兑换凭证">{redemption.number}</a>' in page
    assert f'<td class="mono">{redemption.number}</td>' in page
    # and so does the export
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("points:statement_export", args=[bank.customer_a1.pk]), {})
    run = JobRun.objects.get(kind="points.statement")
    rows = list(load_workbook(settings.MEDIA_ROOT / run.result_file).active.values)
    assert [(row[1], row[5]) for row in rows[1:]] == [
        ("兑换撤销", redemption.number),
        ("积分兑换", redemption.number),
        ("积分获得", None),  # an empty cell
    ]


def test_the_statement_reads_the_redemptions_with_the_entries(bank, client):
    # given three redemptions
    for number in range(3):
        points_redeem(
            actor=bank.head_a1,
            customer=bank.customer_a1,
            gift=gift(code=f"G{number}", stock=1, points_price=10),
            quantity=1,
            outlet=bank.outlet_a1,
            idempotency_key=f"k{number}",
        )
    client.force_login(bank.head_a1)
    url = reverse("points:statement", args=[bank.customer_a1.pk])
    client.get(url)
    # when the statement is shown, then one query reads the page's entries and their
    # redemptions: the numbers cost no query each
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert all(r.number in page for r in Redemption.objects.all())
    assert sum('"points_redemption"' in q["sql"] for q in queries.captured_queries) == 1


# --- irreversible buttons ask -----------------------------------------------------------


def test_delivery_and_cancellation_ask_before_they_are_made(bank, client):
    # given a redemption to collect
    item = gift(stock=5)
    redemption, _shown = _redeem_at_the_counter(client, bank, item, quantity=1)
    # when the list is shown
    listing = client.get(reverse("points:redemption_list")).content.decode()
    # then 已领取 and 已寄送 are separate forms that each ask first
    n = redemption.number
    assert f'data-confirm="确认兑换单 {n} 的礼品已由客户领取？登记后不能再撤销兑换。">' in listing
    assert f'data-confirm="确认兑换单 {n} 的礼品已寄出？登记后不能再撤销兑换。">' in listing
    assert '<input type="hidden" name="status" value="collected">' in listing
    assert '<input type="hidden" name="status" value="sent">' in listing
    # and 撤销 leads to a page that says what it gives back, and asks again
    cancel_url = reverse("points:redemption_cancel", args=[redemption.pk])
    assert f'<a class="button danger" href="{cancel_url}">撤销…</a>' in listing
    page = client.get(cancel_url).content.decode()
    assert "撤销后，40 积分退回客户原积分批次，礼品库存加回 1 件。撤销后不能恢复。" in page
    assert f'data-confirm="确定撤销兑换单 {n}？撤销后不能恢复。"' in page
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.TO_COLLECT


def test_a_cancellation_needs_a_reason_and_then_goes_back_to_the_statement(bank, client):
    item = gift(stock=5)
    redemption, _shown = _redeem_at_the_counter(client, bank, item, quantity=1)
    url = reverse("points:redemption_cancel", args=[redemption.pk])
    # without a reason nothing happens
    assert "该字段是必填项。" in client.post(url, {"reason": ""}).content.decode()
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.TO_COLLECT
    # with one it is cancelled
    response = client.post(url, {"reason": "换礼品"})
    redemption.refresh_from_db()
    assert response["Location"] == reverse("points:statement", args=[bank.customer_a1.pk])
    assert redemption.status == RedemptionStatus.CANCELLED
    # and a delivered one cannot be
    other = gift(code="G2", stock=1)
    delivered = points_redeem(
        actor=bank.head_a1,
        customer=bank.customer_a1,
        gift=other,
        quantity=1,
        outlet=bank.outlet_a1,
        idempotency_key="k2",
    )
    redemptions.redemption_deliver(actor=bank.head_a1, redemption=delivered, status="collected")
    page = client.get(reverse("points:redemption_cancel", args=[delivered.pk])).content.decode()
    assert "礼品已交付或兑换已撤销，不能撤销。" in page and "确认撤销" not in page
