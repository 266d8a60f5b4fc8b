"""Demo customers: realistic, deterministic, and fast enough for a million.

Valid resident ID numbers (GB 11643 check characters) from real area codes, mainland
mobiles, addresses in the outlets' districts, assets spread like a retail bank's book
(most small, a long tail of large ones), managers for the larger customers, and some
grown information (profiles, tags, family, consent).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kewei.core.bulk import bulk_insert, db_value
from kewei.core.models import Sequence
from kewei.core.progress import Progress
from kewei.customers.identity import Gender, IdType, check_character
from kewei.customers.models import (
    Consent,
    Customer,
    CustomerProfile,
    FamilyMember,
    InformationSource,
    Tag,
)
from kewei.customers.services import (
    insert_customers,
    insert_row,
    open_assets,
    open_assignments,
)
from kewei.customers.validation import CustomerData
from kewei.demo.names import person_name
from kewei.demo.seeders import SeedContext, register_seeder
from kewei.organisation.models import Department, DepartmentLevel, Staff
from kewei.organisation.roles import Role

CHUNK = 5000
# Districts by city prefix of the outlet code: (area code, district name).
DISTRICTS = {
    "11": [
        ("110105", "北京市朝阳区"),
        ("110108", "北京市海淀区"),
        ("110101", "北京市东城区"),
        ("110102", "北京市西城区"),
        ("110106", "北京市丰台区"),
    ],
    "31": [
        ("310115", "上海市浦东新区"),
        ("310101", "上海市黄浦区"),
        ("310104", "上海市徐汇区"),
        ("310105", "上海市长宁区"),
        ("310106", "上海市静安区"),
    ],
}
STREETS = [
    "中关村大街",
    "学院路",
    "建国路",
    "望京街",
    "世纪大道",
    "南京东路",
    "淮海中路",
    "长安街",
    "人民路",
    "解放路",
    "和平里",
    "幸福路",
]
MOBILE_PREFIXES = [
    "138",
    "139",
    "135",
    "136",
    "137",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "133",
    "153",
    "180",
    "189",
    "130",
    "131",
    "132",
    "155",
    "156",
    "185",
    "177",
    "199",
]
TAGS = [
    "高尔夫",
    "书法",
    "亲子",
    "旅游",
    "摄影",
    "健身",
    "茶艺",
    "收藏",
    "红酒",
    "垂钓",
    "马拉松",
    "瑜伽",
    "理财讲座",
    "教育规划",
    "养老规划",
]


def _aum(rng) -> Decimal:
    # Log-normal around ~3万 with a long tail: most are small, a few are major customers.
    value = math.exp(rng.gauss(10.3, 1.6))
    return Decimal(min(value, 80_000_000)).quantize(Decimal("0.01"))


def _id_number(rng, area: str, birthday: dt.date, gender: str, used: set[str]) -> str:
    sequence = rng.randrange(0, 100) * 10 + rng.choice(
        [1, 3, 5, 7, 9] if gender == Gender.MALE else [0, 2, 4, 6, 8]
    )
    # Two people born on the same day in the same district need different sequence
    # numbers; stepping by 2 keeps the gender digit's parity.
    while True:
        first17 = f"{area}{birthday:%Y%m%d}{sequence % 1000:03d}"
        if first17 not in used:
            used.add(first17)
            return first17 + check_character(first17)
        sequence += 2


@register_seeder("customers", order=20)
def seed_customers(context: SeedContext, progress: Progress) -> dict[str, int]:
    total = context.customers
    rng = context.rng("customers")
    outlets = list(
        Department.objects.unrestricted()
        .filter(level=DepartmentLevel.OUTLET, is_active=True)
        .order_by("code")
    )
    managers_by_outlet: dict[int, list[int]] = {}
    for staff_id, department_id in (
        Staff.objects.unrestricted()
        .filter(groups__name=Role.CUSTOMER_MANAGER, is_active=True)
        .order_by("employee_number")
        .values_list("pk", "department_id")
    ):
        managers_by_outlet.setdefault(department_id, []).append(staff_id)
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    today = timezone.localdate()
    progress.start(total, "客户")
    created = 0
    used_ids: set[str] = set()
    sources = InformationSource.values[:7]
    now = timezone.now()
    stamp = db_value(Customer, "created_at", now)
    for start in range(0, total, CHUNK):
        numbers = [f"C{index + 1:011d}" for index in range(start, min(start + CHUNK, total))]
        rows = []
        planned_aum: dict[str, Decimal] = {}
        for number in numbers:
            # Every value is drawn for every row, so the data does not depend on what
            # already exists: a re-run draws the same values and skips existing rows.
            outlet = outlets[rng.randrange(len(outlets))]
            gender = Gender.MALE if rng.random() < 0.5 else Gender.FEMALE
            birthday = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 65 * 365))
            area, district = rng.choice(DISTRICTS[outlet.code[:2]])
            aum = planned_aum[number] = _aum(rng)
            managers = managers_by_outlet.get(outlet.pk, [])
            assigned = bool(managers) and (aum >= 200_000 or rng.random() < 0.3)
            data = CustomerData(
                name=person_name(rng),
                gender=gender,
                id_type=IdType.RESIDENT_ID,
                id_number=_id_number(rng, area, birthday, gender, used_ids),
                birthday=birthday,
                mobile=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}",
                address=f"{district}{rng.choice(STREETS)}{rng.randrange(1, 300)}号"
                f"{rng.randrange(1, 30)}栋{rng.randrange(101, 2800)}室",
                department=outlet,
                responsible_manager=None,
                vip_flag=aum >= 500_000 and assigned,
                source=rng.choice(sources),
            )
            manager_id = managers[rng.randrange(len(managers))] if assigned else None
            extras = (rng.random(), rng.random(), rng.random(), rng.random())
            rows.append((number, data, manager_id, extras))
        existing = set(
            Customer.objects.unrestricted()
            .filter(customer_number__in=numbers)
            .values_list("customer_number", flat=True)
        )
        fresh = [
            (number, data, manager_id, extras)
            for number, data, manager_id, extras in rows
            if number not in existing and data.birthday <= today
        ]
        with transaction.atomic():
            ids = insert_customers(
                [
                    insert_row(data, number=number, manager_id=manager_id, now=stamp)
                    for number, data, manager_id, _extras in fresh
                ]
            )
            # The assets the demo customer is planned to hold; loading the feed that the
            # products seeder writes from this plan then keeps them.
            open_assets({ids[number]: planned_aum[number] for number, *_rest in fresh})
            _grow(
                [(ids[number], manager_id, extras) for number, _d, manager_id, extras in fresh],
                tags,
                now,
                rng_seed=f"{context.seed}:{start}",
            )
        created += len(fresh)
        progress.advance(len(numbers))
    sequence, _created = Sequence.objects.get_or_create(name="customer_number")
    if sequence.next_value <= total:
        Sequence.objects.filter(name="customer_number").update(next_value=total + 1)
    return {"customers": total, "customers_created": created}


def _grow(fresh, tags, now, rng_seed: str) -> None:
    """Assignments, and for some customers a profile, tags, family and consent."""
    import random

    rng = random.Random(rng_seed)
    profiles, links, family, consents = [], [], [], []
    for customer_id, _manager_id, (p_profile, p_tags, p_family, p_consent) in fresh:
        if p_profile < 0.15:
            profiles.append(
                (
                    customer_id,
                    rng.choice(
                        ["北京某科技公司", "上海某贸易公司", "某中学", "某医院", "个体经营"]
                    ),
                    rng.choice(["工程师", "教师", "医生", "经理", "店主"]),
                    rng.choice(["bachelor", "master", "college", "high_school"]),
                    now,
                )
            )
        if p_tags < 0.3:
            for tag in rng.sample(tags, rng.randrange(1, 4)):
                links.append((customer_id, tag.pk))
        if p_family < 0.1:
            family.append(
                (
                    customer_id,
                    rng.choice(["spouse", "child", "parent"]),
                    person_name(rng),
                    dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 70 * 365)),
                )
            )
        if p_consent < 0.6:
            consents.append((customer_id, "sms", True, now, "开户签署"))
    open_assignments(
        ((customer_id, manager_id or None) for customer_id, manager_id, _extras in fresh),
        at=now,
        actor=None,
        reason="演示数据",
    )
    bulk_insert(
        CustomerProfile,
        [
            "customer_id",
            "employer",
            "position",
            "education_level",
            "updated_at",
            "schools",
            "training",
            "industry",
            "career_stage",
            "income_band",
            "lifestyle",
            "notes",
        ],
        ((*row, *[""] * 7) for row in profiles),
    )
    bulk_insert(Customer.tags.through, ["customer_id", "tag_id"], links)
    bulk_insert(
        FamilyMember,
        ["customer_id", "relation", "name", "birthday", "schooling", "notes"],
        ((*row, "", "") for row in family),
    )
    bulk_insert(Consent, ["customer_id", "channel", "granted", "effective_at", "source"], consents)
