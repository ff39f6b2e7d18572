"""GB/T 4754-2017 divisions (transforms/industry.py): the table itself, and codes as zones write
them resolved to a division or to nothing. The validation rule (a regex) and the reward rule
(industry_division) must read every code alike, or a code could pass validation and still be
paid as "not finance"."""

from __future__ import annotations

import re
import unicodedata

import pytest

from transforms.industry import (
    CODE_PATTERN,
    DIVISIONS,
    SECTION_OF,
    SECTIONS,
    division_label,
    industry_division,
)


def test_the_standard_has_97_divisions_in_20_sections() -> None:
    assert len(SECTIONS) == 20 and list(SECTIONS) == list("ABCDEFGHIJKLMNOPQRST")
    assert list(DIVISIONS) == [f"{d:02d}" for d in range(1, 98)]
    # the sections tile 01..97 in order, without gap or overlap
    spans = [(first, last) for first, last, _ in SECTIONS.values()]
    assert spans[0][0] == 1 and spans[-1][1] == 97
    assert all(a[1] + 1 == b[0] for a, b in zip(spans, spans[1:], strict=False))
    # the divisions the finance and real-estate exclusion names (config/policy.toml)
    assert [SECTION_OF[d] for d in ("66", "67", "68", "69", "70")] == ["J"] * 4 + ["K"]
    assert DIVISIONS["79"] == "土地管理业"  # new in the 2017 edition: 80-97 moved up by one
    assert division_label("66") == "J 金融业 / 66 货币金融服务"


CODES = [
    ("66", "66"),  # a division alone
    ("662", "66"),  # with its group (中类)
    ("6621", "66"),  # with its class (小类)
    ("J6621", "66"),  # with its section letter
    ("j6621", "66"),  # lower case
    ("Ｊ６６２１", "66"),  # full-width, as typed with a Chinese input method
    (" 7010 ", "70"),  # spaces around
    ("K7010", "70"),
    ("0111", "01"),  # a leading zero kept (agriculture)
    ("C3670", "36"),
    ("T9700", "97"),  # the last division
    ("K", None),  # a section letter alone: which division?
    ("J", None),
    ("房地产", None),  # free text
    ("金融业", None),
    ("98", None),  # no such division
    ("00", None),
    ("9800", None),
    ("J3670", None),  # a finance letter on manufacturing digits: contradictory
    ("C6621", None),  # a manufacturing letter on finance digits
    ("U9700", None),  # no section U
    ("66211", None),  # five digits: not a GB/T 4754 code
    ("7", None),  # one digit
    ("66.21", None),
    ("66 21", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("code", "division"), CODES)
def test_codes_resolve_to_their_division_or_to_none(code: str | None, division: str | None
                                                    ) -> None:
    assert industry_division(code) == division


@pytest.mark.parametrize(("code", "division"), [c for c in CODES if c[0] is not None])
def test_the_validation_pattern_accepts_exactly_the_resolvable_codes(code: str, division: str | None
                                                                     ) -> None:
    # Ingest folds full-width forms and strips spaces before validation sees a code (ID cells).
    typed = unicodedata.normalize("NFKC", code).strip()
    assert (re.search(CODE_PATTERN, typed) is not None) is (division is not None)
