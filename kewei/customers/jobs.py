"""Customer jobs started from pages: export of a search to XLSX, and bulk import."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.core.masking import mask_address, mask_id_number, mask_mobile
from kewei.customers.actions import CustomersAction
from kewei.customers.identity import Gender, IdType
from kewei.customers.importing import import_customers, write_report
from kewei.customers.selectors import CustomerQuery, customer_search
from kewei.customers.services import customers_export_reveal
from kewei.jobs.exports import xlsx_export
from kewei.jobs.registry import JobOutcome, register_job


@register_job("customers.export", gettext_lazy("导出客户"))
def export_customers(
    *, actor, progress, query: dict, unmasked: bool = False, reason: str = ""
) -> JobOutcome:
    """The customers of a search, within the starter's scope, as XLSX. Personal fields
    are masked unless the starter asked for them in full, may reveal them and gave a
    reason: such an export is a reveal and is audited as one, with the number of
    customers, before the file is written. The export itself is audited too."""
    search = CustomerQuery.from_params(query)
    customers = customer_search(search)
    total = customers.count()
    reveal = bool(unmasked)
    if reveal:
        customers_export_reveal(
            actor=actor, count=total, reason=reason, criteria=search.to_params()
        )
    headers = [
        _("客户号"),
        _("姓名"),
        _("性别"),
        _("证件类型"),
        _("证件号码"),
        _("出生日期"),
        _("手机号码"),
        _("联系地址"),
        _("归属网点"),
        _("客户经理"),
        _("客户等级"),
        _("金融资产（元）"),
    ]
    genders, id_types = dict(Gender.choices), dict(IdType.choices)
    rows = (
        (
            c.customer_number,
            c.name,
            str(genders.get(c.gender, "")),
            str(id_types.get(c.id_type, "")),
            c.id_number if reveal else mask_id_number(c.id_number),
            c.birthday.isoformat(),
            c.mobile if reveal else mask_mobile(c.mobile),
            c.address if reveal else (c.address_district or mask_address(c.address)),
            c.department.name,
            c.responsible_manager.full_name if c.responsible_manager else "",
            c.tier,
            c.aum,  # Decimal, stored as a number: never through float
        )
        for c in customers.iterator(chunk_size=2000)
    )
    return xlsx_export(
        actor=actor,
        progress=progress,
        name="customers",
        sheet_title=_("客户"),
        headers=headers,
        rows=rows,
        total=total,
        audit_action=CustomersAction.EXPORT,
        audit_details={"query": search.to_params(), "unmasked": reveal},
        summary=_("已导出 %(count)d 名客户。"),
    )


@register_job("customers.import", gettext_lazy("导入客户"))
def import_customers_job(
    *, actor, progress, file: str, dry_run: bool, original_name: str = ""
) -> JobOutcome:
    path = settings.MEDIA_ROOT / file
    result = import_customers(path, actor=actor, dry_run=dry_run, progress=progress)
    if not dry_run:
        # The upload holds personal data in clear: it goes once its rows are in the archive.
        path.unlink(missing_ok=True)
    report = None
    if result.errors:
        report = settings.MEDIA_ROOT / "imports" / f"{Path(file).stem}-report.csv"
        write_report(result, report)
    data = {
        "imported": result.imported,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
        "dry_run": dry_run,
        "file": file,
        "original_name": original_name,
        "errors": [[e.row, e.column, e.reason] for e in result.errors[:200]],
        "more_errors": max(0, len(result.errors) - 200),
    }
    prefix = _("预检：") if dry_run else ""
    return JobOutcome(summary=prefix + result.summary_zh, result_file=report, data=data)
