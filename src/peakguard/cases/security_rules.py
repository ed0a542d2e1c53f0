"""The security rules an inspection finding or a rectification order cites, with the penalty
the law sets for breaching each, kept as data (``security_rules.toml``).

Each rule names the law and article that set the duty, the duty in Chinese and English, and
the penalty: the law and article that punish it (a 快递暂行条例 article may refer to another
law: ``penalty_via``), the company's fine range in yuan, the range for the persons directly
responsible where the law gives one, the ceiling "when serious" (情节严重) where it gives one,
and other measures. ``verified`` says whether the article numbers and the range were confirmed
against a published text; an unconfirmed entry carries a note saying what is not confirmed.

:func:`check_fine` is the rule every proposed or decided fine obeys: inside the legal range,
the error naming the range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final, TypeGuard

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.parameters import settings_document

CONTRACT_KEYS: Final = (
    "real_name",
    "acceptance_inspection",
    "x_ray",
    "prohibited_items",
    "waybill_data",
    "personal_information",
    "safety_production",
    "stop_sort_report",
    "abnormal_operation",
)
"""The keys the areas of issue 17 name (docs/reference/rectification-orders.md); others may
be added."""

MAX_FINE: Final = 100_000_000
"""No fine of these laws reaches a hundred million yuan; a larger figure is a typing mistake."""
TEXT_FIELDS: Final = (
    "law_zh",
    "law_en",
    "article",
    "text_zh",
    "text_en",
    "penalty_law_zh",
    "penalty_law_en",
    "penalty_article",
    "penalty_via",
    "note",
)
REQUIRED_TEXT: Final = ("law_zh", "law_en", "article", "text_zh", "text_en", "penalty_law_zh")
LIST_FIELDS: Final = ("related", "measures_zh", "measures_en")
FINE_FIELDS: Final = (
    "company_fine_min",
    "company_fine_max",
    "person_fine_min",
    "person_fine_max",
    "severe_fine_max",
)
FIELDS: Final = (*TEXT_FIELDS, *LIST_FIELDS, *FINE_FIELDS, "verified")


@dataclass(frozen=True)
class FineRange:
    """A fine from ``minimum`` to ``maximum`` yuan, both included."""

    minimum: int
    maximum: int

    def __post_init__(self) -> None:
        if not 0 <= self.minimum <= self.maximum:
            raise ValueError(f"a fine range runs from 0 up: {self.minimum}..{self.maximum}")

    def covers(self, amount: int) -> bool:
        return self.minimum <= amount <= self.maximum

    def words(self) -> str:
        """``100,000–500,000 yuan`` (the figures are the same in every language)."""
        return f"{self.minimum:,}–{self.maximum:,}"


@dataclass(frozen=True)
class SecurityRule:
    """One duty and the penalty for breaching it."""

    key: str
    law_zh: str
    law_en: str
    article: str
    text_zh: str
    text_en: str
    penalty_law_zh: str
    penalty_law_en: str
    penalty_article: str
    company_fine: FineRange
    person_fine: FineRange | None = None
    severe_fine_max: int | None = None
    """The ceiling when serious (情节严重): the serious range runs from the ordinary maximum."""
    penalty_via: str = ""
    related: tuple[str, ...] = ()
    measures_zh: tuple[str, ...] = ()
    measures_en: tuple[str, ...] = ()
    verified: bool = False
    note: str = ""

    @property
    def citation(self) -> str:
        """``快递暂行条例 第二十二条``: the duty's law and article."""
        return f"{self.law_zh} {self.article}"

    @property
    def penalty_citation(self) -> str:
        """``中华人民共和国反恐怖主义法 第八十五条 (快递暂行条例 第四十三条)``."""
        cited = f"{self.penalty_law_zh} {self.penalty_article}"
        return f"{cited} ({self.penalty_via})" if self.penalty_via else cited

    def company_range(self, *, serious: bool = False) -> FineRange:
        """The company's range, ordinary or when serious (the same when the law has none)."""
        if serious and self.severe_fine_max is not None:
            return FineRange(self.company_fine.maximum, self.severe_fine_max)
        return self.company_fine


def check_fine(
    rule: SecurityRule,
    *,
    company_fine: int,
    person_fine: int | None = None,
    serious: bool = False,
    where: str = "",
) -> None:
    """Refuse a fine outside the rule's legal range, naming the range and its source
    (InvalidInputError with one problem per wrong figure)."""
    problems: list[Problem] = []
    company = rule.company_range(serious=serious)
    if not company.covers(company_fine):
        problems.append(
            Problem(
                f"{where}company_fine",
                _(
                    "must lie between {minimum} and {maximum} yuan, the range {law} sets for "
                    "{rule}, not {amount}",
                    minimum=company.minimum,
                    maximum=company.maximum,
                    law=rule.penalty_citation,
                    rule=rule.citation,
                    amount=company_fine,
                ),
            )
        )
    if person_fine is not None:
        persons = rule.person_fine
        if persons is None:
            message = _(
                "{law} sets no fine of the persons responsible for {rule}: leave it out",
                law=rule.penalty_citation,
                rule=rule.citation,
            )
            problems.append(Problem(f"{where}person_fine", message))
        elif not persons.covers(person_fine):
            message = _(
                "must lie between {minimum} and {maximum} yuan, the range {law} sets for the "
                "persons responsible, not {amount}",
                minimum=persons.minimum,
                maximum=persons.maximum,
                law=rule.penalty_citation,
                amount=person_fine,
            )
            problems.append(Problem(f"{where}person_fine", message))
    if problems:
        raise InvalidInputError(_("The fine is outside the legal range."), problems)


# -- the rules file ----------------------------------------------------------------------------


def security_rules() -> Mapping[str, SecurityRule]:
    """Every rule by key (the packaged ``security_rules.toml``)."""
    return _packaged()


def rule_of(key: str) -> SecurityRule:
    """The rule ``key``; InvalidInputError naming the keys when there is none."""
    rules = security_rules()
    if key not in rules:
        message = _("is not a security rule; the rules are {keys}", keys=", ".join(rules))
        raise InvalidInputError(_("Unknown rule."), [Problem("rule", message)])
    return rules[key]


@cache
def _packaged() -> Mapping[str, SecurityRule]:
    text = resources.files("peakguard.cases").joinpath("security_rules.toml").read_text("utf-8")
    return MappingProxyType(parse_security_rules(text))


def parse_security_rules(text: str, where: str = "security_rules.toml") -> dict[str, SecurityRule]:
    """The rules of a rules file; InvalidInputError locating every mistake
    (``security_rules.toml: real_name.company_fine_max``)."""
    document, _name = settings_document(text, source=where)
    rules: dict[str, SecurityRule] = {}
    problems: list[Problem] = []
    for key, table in document.items():
        if not isinstance(table, dict):
            problems.append(Problem(f"{where}: {key}", _("must be a table of the rule's fields")))
            continue
        found = [Problem(f"{where}: {key}.{field}", message) for field, message in _mistakes(table)]
        problems += found
        if not found:
            rules[key] = _rule(key, table)
    if problems:
        raise InvalidInputError(
            _("the security rules in {source} have mistakes", source=where), problems
        )
    return rules


def _mistakes(table: Mapping[str, Any]) -> list[tuple[str, Message]]:
    found: list[tuple[str, Message]] = []
    for field in table:
        if field not in FIELDS:
            found.append(
                (
                    field,
                    _(
                        "is not a field of a rule; the fields are {fields}",
                        fields=", ".join(FIELDS),
                    ),
                )
            )
    for field in (*REQUIRED_TEXT, "company_fine_min", "company_fine_max", "verified"):
        if field not in table:
            found.append((field, _("is required")))
    for field in TEXT_FIELDS:
        if field in table and not isinstance(table[field], str):
            found.append((field, _("must be text")))
    for field in LIST_FIELDS:
        value = table.get(field, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            found.append((field, _("must be a list of texts")))
    for field in FINE_FIELDS:
        value = table.get(field)
        if field in table and not (_whole(value) and 0 <= value <= MAX_FINE):
            found.append(
                (field, _("must be a whole number of yuan from 0 to {most}", most=MAX_FINE))
            )
    if "verified" in table and not isinstance(table["verified"], bool):
        found.append(("verified", _("must be true or false")))
    if not found:
        found += _range_mistakes(table)
    return found


def _range_mistakes(table: Mapping[str, Any]) -> list[tuple[str, Message]]:
    found: list[tuple[str, Message]] = []
    if table["company_fine_min"] > table["company_fine_max"]:
        found.append(("company_fine_max", _("must not be below company_fine_min")))
    if ("person_fine_min" in table) != ("person_fine_max" in table):
        found.append(("person_fine_max", _("person_fine_min and person_fine_max come together")))
    elif "person_fine_min" in table and table["person_fine_min"] > table["person_fine_max"]:
        found.append(("person_fine_max", _("must not be below person_fine_min")))
    if table.get("severe_fine_max", table["company_fine_max"]) < table["company_fine_max"]:
        found.append(("severe_fine_max", _("must not be below company_fine_max")))
    if not table["verified"] and not str(table.get("note", "")).strip():
        found.append(("note", _("an unverified rule says in its note what is not confirmed")))
    return found


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _rule(key: str, table: Mapping[str, Any]) -> SecurityRule:
    persons = (
        FineRange(table["person_fine_min"], table["person_fine_max"])
        if "person_fine_min" in table
        else None
    )
    return SecurityRule(
        key=key,
        law_zh=table["law_zh"].strip(),
        law_en=table["law_en"].strip(),
        article=table["article"].strip(),
        text_zh=table["text_zh"].strip(),
        text_en=table["text_en"].strip(),
        penalty_law_zh=table["penalty_law_zh"].strip(),
        penalty_law_en=table.get("penalty_law_en", "").strip(),
        penalty_article=table.get("penalty_article", "").strip(),
        penalty_via=table.get("penalty_via", "").strip(),
        company_fine=FineRange(table["company_fine_min"], table["company_fine_max"]),
        person_fine=persons,
        severe_fine_max=table.get("severe_fine_max"),
        related=tuple(table.get("related", [])),
        measures_zh=tuple(table.get("measures_zh", [])),
        measures_en=tuple(table.get("measures_en", [])),
        verified=table["verified"],
        note=table.get("note", "").strip(),
    )
