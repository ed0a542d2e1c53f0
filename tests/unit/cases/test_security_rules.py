"""The security rules catalogue: every key the areas use, ranges as the laws set them, and the
fine check naming the range."""

from __future__ import annotations

import pytest

from peakguard.cases.security_rules import (
    CONTRACT_KEYS,
    check_fine,
    parse_security_rules,
    rule_of,
    security_rules,
)
from peakguard.errors import InvalidInputError


def test_every_key_the_contract_names_exists() -> None:
    """real_name, acceptance_inspection, x_ray, … abnormal_operation: each has an entry."""
    assert set(CONTRACT_KEYS) <= set(security_rules())


@pytest.mark.parametrize("key", list(security_rules()))
def test_every_range_runs_from_its_minimum_up(key: str) -> None:
    """min ≤ max for the company and the persons, the serious ceiling above the ordinary one,
    and an unconfirmed entry says in its note what is not confirmed."""
    rule = security_rules()[key]
    assert rule.company_fine.minimum <= rule.company_fine.maximum
    if rule.person_fine is not None:
        assert rule.person_fine.minimum <= rule.person_fine.maximum
    if rule.severe_fine_max is not None:
        assert rule.severe_fine_max >= rule.company_fine.maximum
    assert rule.law_zh and rule.article.startswith("第") and rule.text_zh and rule.text_en
    assert rule.verified or rule.note


def test_the_counter_terrorism_law_range_for_real_name() -> None:
    """反恐怖主义法 art. 85: 十万元以上五十万元以下 for the company, 十万元以下 for the persons,
    reached through 快递暂行条例 art. 43."""
    rule = rule_of("real_name")
    assert (rule.law_zh, rule.article) == ("快递暂行条例", "第二十二条")
    assert (rule.company_fine.minimum, rule.company_fine.maximum) == (100_000, 500_000)
    assert rule.person_fine is not None and rule.person_fine.maximum == 100_000
    assert (
        rule.penalty_citation == "中华人民共和国反恐怖主义法 第八十五条 (快递暂行条例 第四十三条)"
    )
    assert rule.verified


def test_a_fine_outside_the_range_is_refused_naming_the_range() -> None:
    """80,000 yuan for a real-name breach is below the 100,000 minimum: refused, and the
    message names 100000, 500000 and the law; 300,000 is accepted."""
    rule = rule_of("real_name")
    check_fine(rule, company_fine=300_000, person_fine=20_000)
    with pytest.raises(InvalidInputError) as refused:
        check_fine(rule, company_fine=80_000)
    text = refused.value.problems[0].render("en")
    assert refused.value.problems[0].location == "company_fine"
    assert "100000" in text and "500000" in text and "反恐怖主义法" in text


def test_the_serious_range_runs_from_the_ordinary_maximum() -> None:
    """User information: 10,000–50,000, when serious 50,000–100,000."""
    rule = rule_of("personal_information")
    check_fine(rule, company_fine=80_000, serious=True)
    with pytest.raises(InvalidInputError):
        check_fine(rule, company_fine=80_000)
    with pytest.raises(InvalidInputError):
        check_fine(rule, company_fine=20_000, serious=True)


def test_a_person_fine_where_the_law_sets_none_is_refused() -> None:
    """The user-information article fines the company only."""
    with pytest.raises(InvalidInputError) as refused:
        check_fine(rule_of("personal_information"), company_fine=20_000, person_fine=1_000)
    assert refused.value.problems[0].location == "person_fine"


def test_a_rules_file_with_a_reversed_range_is_refused_located() -> None:
    """max below min, located at the rule's field."""
    text = """[x]
law_zh = "a"
law_en = "a"
article = "第一条"
text_zh = "a"
text_en = "a"
penalty_law_zh = "a"
company_fine_min = 500
company_fine_max = 100
verified = true
"""
    with pytest.raises(InvalidInputError) as refused:
        parse_security_rules(text, "rules.toml")
    assert [p.location for p in refused.value.problems] == ["rules.toml: x.company_fine_max"]
