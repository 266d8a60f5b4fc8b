"""Realistic Chinese personal names, drawn deterministically."""

from __future__ import annotations

import random

# The most common surnames, roughly by frequency (weights sum to about 100).
SURNAMES = [
    ("王", 7.1),
    ("李", 7.0),
    ("张", 6.7),
    ("刘", 5.4),
    ("陈", 4.5),
    ("杨", 3.1),
    ("黄", 2.2),
    ("赵", 2.1),
    ("吴", 2.0),
    ("周", 1.9),
    ("徐", 1.5),
    ("孙", 1.5),
    ("马", 1.4),
    ("朱", 1.3),
    ("胡", 1.3),
    ("郭", 1.2),
    ("何", 1.2),
    ("高", 1.1),
    ("林", 1.1),
    ("罗", 1.0),
    ("郑", 1.0),
    ("梁", 0.9),
    ("谢", 0.8),
    ("宋", 0.8),
    ("唐", 0.8),
    ("许", 0.7),
    ("韩", 0.7),
    ("冯", 0.7),
    ("邓", 0.7),
    ("曹", 0.7),
    ("彭", 0.6),
    ("曾", 0.6),
    ("肖", 0.6),
    ("田", 0.6),
    ("董", 0.5),
    ("袁", 0.5),
    ("潘", 0.5),
    ("于", 0.5),
    ("蒋", 0.5),
    ("蔡", 0.5),
    ("余", 0.5),
    ("杜", 0.5),
    ("叶", 0.5),
    ("程", 0.5),
    ("苏", 0.4),
    ("魏", 0.4),
    ("吕", 0.4),
    ("丁", 0.4),
    ("任", 0.4),
    ("沈", 0.4),
    ("欧阳", 0.05),
    ("司马", 0.02),
]
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍建华建国红梅"
    "志强海燕宇航子涵浩然欣怡梓涵一诺思远晨曦雨桐嘉怡俊杰文博佳琪天佑若曦"
)
_SURNAME_CHOICES = [s for s, _ in SURNAMES]
_SURNAME_WEIGHTS = [w for _, w in SURNAMES]


def person_name(rng: random.Random) -> str:
    surname = rng.choices(_SURNAME_CHOICES, weights=_SURNAME_WEIGHTS)[0]
    length = 1 if rng.random() < 0.3 else 2
    return surname + "".join(rng.choice(GIVEN) for _ in range(length))
