"""Redemption at the counter in a real browser (issue #28): the teller redeems, opens the
receipt from the success message and prints it (the print stylesheet shows the receipt
alone), and the delivery buttons ask before they record anything."""

from __future__ import annotations

import re

import pytest

from kewei.tests.test_browser import browser as browser  # the module's browser fixture
from kewei.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_redeem_at_the_counter_and_print_the_receipt(live_server, browser, bank):
    from kewei.points.models import Redemption, RedemptionStatus
    from kewei.points.redemptions import GiftData, gift_create
    from kewei.points.tests.test_redemption import NEXT_YEAR_END, earn

    # given the customer has 150 points and the catalogue 5 cups for 40
    earn(bank.customer_a1, 150, NEXT_YEAR_END, "browser")
    gift_create(
        actor=None, data=GiftData(code="CUP", name="保温杯", points_price=40), opening_stock=5
    )
    page = browser.new_page()
    sign_in(page, live_server, "teller_a1")
    # when the teller redeems two cups
    page.goto(f"{live_server.url}/points/customers/{bank.customer_a1.pk}/redeem/")
    page.select_option("#id_gift", label="保温杯（40 积分，库存 5）")
    page.fill("#id_quantity", "2")
    page.click("main button.primary")
    page.wait_for_url(f"{live_server.url}/points/customers/{bank.customer_a1.pk}/")
    redemption = Redemption.objects.get()
    # then the success message leads to the receipt
    assert f"兑换成功：单号 {redemption.number}" in page.locator(".messages").inner_text()
    page.click("[data-testid=receipt-link]")
    page.wait_for_url(f"{live_server.url}/points/redemptions/{redemption.pk}/receipt/")
    receipt = page.locator("[data-testid=receipt]")
    text = re.sub(r"\s+", " ", receipt.inner_text())
    assert page.locator("[data-testid=receipt-number]").inner_text() == redemption.number
    for part in (
        "积分兑换凭证",
        "张三",
        "110105********002X",
        "保温杯（CUP）",
        "扣减积分 80",
        "兑换后积分余额 70",
        "中关村网点",
        f"{bank.teller_a1.full_name}（{bank.teller_a1.employee_number}）",
        "客户签字",
        "经办人",
    ):
        assert part in text, part
    # on the screen: the page's buttons, not the print time
    assert page.locator("[data-testid=print-receipt]").is_visible()
    assert not page.locator(".receipt-printed").is_visible()
    # when 打印 is pressed, the page's script prints (no inline script under the CSP)
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.click("[data-testid=print-receipt]")
    assert page.evaluate("window.printed") == 1
    # and on paper: the receipt alone, with the print time, without the site's frame
    page.emulate_media(media="print")
    assert receipt.is_visible()
    assert page.locator(".receipt-printed").is_visible()
    for chrome in (".topbar", ".footer", ".pagehead", ".messages"):
        assert page.locator(chrome).count() == 0 or not page.locator(chrome).first.is_visible()
    assert receipt.evaluate("element => getComputedStyle(element).borderTopStyle") == "none"
    page.emulate_media(media="screen")
    assert receipt.evaluate("element => getComputedStyle(element).borderTopStyle") == "solid"

    # when 已领取 is pressed on the list, the browser asks first; declined, nothing changes
    page.goto(f"{live_server.url}/points/redemptions/")
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("button:has-text('已领取')")
    page.wait_for_timeout(300)
    redemption.refresh_from_db()
    assert asked == [f"确认兑换单 {redemption.number} 的礼品已由客户领取？登记后不能再撤销兑换。"]
    assert redemption.status == RedemptionStatus.TO_COLLECT
    # accepted, it is recorded
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('已领取')")
    page.wait_for_load_state()
    page.wait_for_selector(".messages")
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.COLLECTED
    page.close()


def test_back_then_confirm_again_redeems_once(live_server, browser, bank):
    from kewei.points import selectors as points_selectors
    from kewei.points.models import Gift, Redemption
    from kewei.points.redemptions import GiftData, gift_create
    from kewei.points.tests.test_redemption import NEXT_YEAR_END, earn

    # given the customer has 150 points and the catalogue 5 cups for 40
    earn(bank.customer_a1, 150, NEXT_YEAR_END, "browser-back")
    gift_create(
        actor=None, data=GiftData(code="CUP", name="保温杯", points_price=40), opening_stock=5
    )
    page = browser.new_page()
    sign_in(page, live_server, "teller_a1")
    redeem_url = f"{live_server.url}/points/customers/{bank.customer_a1.pk}/redeem/"
    page.goto(redeem_url)
    page.select_option("#id_gift", label="保温杯（40 积分，库存 5）")
    page.click("main button.primary")
    page.wait_for_url(f"{live_server.url}/points/customers/{bank.customer_a1.pk}/")
    # when the teller, unsure the first click went through, goes back and confirms again
    page.go_back()
    page.wait_for_url(redeem_url)
    assert "此兑换表单已办理兑换" in page.locator("main").inner_text()
    page.select_option("#id_gift", label="保温杯（40 积分，库存 4）")
    page.click("main button.primary")
    page.wait_for_url(f"{live_server.url}/points/customers/{bank.customer_a1.pk}/")
    # then the second confirmation only says the redemption was done: one cup, 40 points
    assert "此兑换已办理" in page.locator(".messages").inner_text()
    assert Redemption.objects.count() == 1
    assert Gift.objects.get(code="CUP").stock == 4
    assert points_selectors.points_balance(bank.customer_a1) == 110
    page.close()
