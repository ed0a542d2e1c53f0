"""A case's vocabulary: the stored names of the contract, wording for every value, and personal
data that never shows in a repr."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peakguard.cases.model import (
    Action,
    AppealFacts,
    AppealState,
    CaseKind,
    Category,
    Complainant,
    ComplaintState,
    Finding,
    Intake,
    Need,
    RejectionReason,
    Side,
    label,
    parse_state,
    state_label,
)
from peakguard.errors import InvalidInputError
from peakguard.i18n import render

STORED_NAMES: dict[type[StrEnum], set[str]] = {
    CaseKind: {"complaint", "appeal"},
    Intake: {
        "phone_12305",
        "web_12305",
        "letter",
        "carrier_hotline",
        "carrier_app",
        "email",
        "visit",
        "import_file",
    },
    Category: {
        "delay",
        "loss",
        "damage",
        "shortage",
        "locker_without_consent",
        "station_without_consent",
        "false_delivery_scan",
        "attitude",
        "charges",
        "pickup_service",
        "delivery_service",
        "other",
    },
    ComplaintState: {"received", "handling", "answered", "called_back", "closed", "escalated"},
    AppealState: {
        "received",
        "admissibility",
        "registered",
        "forwarded",
        "carrier_replied",
        "verification",
        "mediation",
        "answered",
        "finding",
        "called_back",
        "closed",
        "rejected",
        "withdrawn",
    },
    Side: {"regulator", "carrier"},
    RejectionReason: {
        "carrier_not_asked_first",
        "out_of_time",
        "before_court_or_arbitration",
        "already_answered",
        "outside_scope",
        "not_identifiable",
        "not_a_party",
    },
    Need: {"answer", "reason", "finding", "call_back", "carrier_organisation", "note"},
}
"""The names stored in the database and sent by the API (tests/unit/cases/../contract): a
rename would strand stored rows, so a change must be deliberate."""

BULLETIN_TERMS = {
    Category.delay: "延误",
    Category.loss: "丢失",
    Category.damage: "损毁",
    Category.shortage: "短少",
    Category.locker_without_consent: "投柜",
    Category.station_without_consent: "驿站",
    Category.false_delivery_scan: "虚假签收",
    Category.attitude: "服务态度",
    Category.charges: "收费",
    Category.pickup_service: "收寄",
    Category.delivery_service: "投递服务",
    Category.other: "其他",
}
"""The Chinese terms the State Post Bureau's bulletins and seed 003 use for each category."""


@pytest.mark.parametrize("enumeration", list(STORED_NAMES))
def test_stored_names_are_the_contracts(enumeration: type[StrEnum]) -> None:
    """Each enumeration holds exactly the names the store and the API use."""
    assert {member.value for member in enumeration} == STORED_NAMES[enumeration]


@pytest.mark.parametrize("enumeration", [*STORED_NAMES, Action])
def test_every_value_reads_as_words_and_no_two_alike(enumeration: type[StrEnum]) -> None:
    """Every value of every enumeration has wording, in English and Chinese, and no two
    values of one enumeration read the same (a person could not tell them apart)."""
    for language in ("en", "zh_CN"):
        words = [render(label(member), language) for member in enumeration]  # type: ignore[arg-type]
        assert all(word.strip() for word in words)
        assert len(set(words)) == len(words)


def test_categories_carry_the_bulletins_terms() -> None:
    """An English reader sees the Chinese term of the bulletins beside each category."""
    for category, term in BULLETIN_TERMS.items():
        assert term in label(category).msgid


def test_kinds_carry_their_chinese_names() -> None:
    """A complaint is 投诉 and an appeal 申诉, the words the regulations use."""
    assert "投诉" in label(CaseKind.complaint).msgid
    assert "申诉" in label(CaseKind.appeal).msgid


def test_states_of_both_kinds_are_told_apart_by_kind() -> None:
    """``received`` is a state of both kinds; each kind parses its own, and a state of one
    kind only (mediation) is refused for the other with the location ``state``."""
    assert parse_state(CaseKind.complaint, "received") is ComplaintState.received
    assert parse_state(CaseKind.appeal, "received") is AppealState.received
    assert render(state_label(CaseKind.appeal, "mediation"), "en") == "mediation"
    with pytest.raises(InvalidInputError) as wrong:
        state_label(CaseKind.complaint, "mediation")
    assert [problem.location for problem in wrong.value.problems] == ["state"]


@given(
    name=st.text(min_size=2, max_size=12).filter(lambda text: text.strip() == text),
    phone=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    address=st.text(min_size=4, max_size=40).filter(lambda text: text.strip() == text),
)
def test_a_complainants_personal_data_never_shows_in_a_repr(
    name: str, phone: str, address: str
) -> None:
    """Neither repr nor str of a complainant (what a log line or a traceback would print)
    contains their name, phone or address."""
    person = Complainant(name=name, phone=phone, address=address)
    for shown in (repr(person), str(person), repr([person]), f"{person}"):
        assert name not in shown
        assert phone not in shown
        assert address not in shown
    assert (person.name, person.phone, person.address) == (name, phone, address)


def test_a_valid_finding_names_its_category() -> None:
    """A valid appeal (有效申诉) names the responsibility category; a finding of no
    responsibility names none; each mistake is located at the category."""
    assert Finding(valid=True, category=Category.delay).category is Category.delay
    assert Finding(valid=False).category is None
    wrongs: list[dict[str, Any]] = [{"valid": True}, {"valid": False, "category": Category.loss}]
    for wrong in wrongs:
        with pytest.raises(InvalidInputError) as refused:
            Finding(**wrong)
        assert [problem.location for problem in refused.value.problems] == ["finding.category"]


@pytest.mark.parametrize(
    ("complained", "answered"),
    [(None, date(2025, 3, 2)), (date(2025, 3, 5), date(2025, 3, 4))],
)
def test_a_carrier_answers_only_a_complaint_it_was_given(
    complained: date | None, answered: date
) -> None:
    """An answer without a complaint, or before it, is a mistake located at the answer."""
    with pytest.raises(InvalidInputError) as wrong:
        AppealFacts(
            dispute_on=date(2025, 3, 1),
            complained_to_carrier_on=complained,
            carrier_answered_on=answered,
        )
    assert [problem.location for problem in wrong.value.problems] == ["carrier_answered_on"]
