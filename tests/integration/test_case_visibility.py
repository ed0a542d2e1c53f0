"""Who sees which complaint and appeal, over HTTP on each engine: a carrier sees its own
brand's cases and the appeals forwarded to it, a city desk its city's, the province all of its
cities', the national office all; a case beyond reach answers 404 exactly as one that does not
exist (never 403, which would say that it does).

The cases (on test_cases_api's desk): ZTO's and SF's complaints in Chengdu, ZTO's complaint in
Beijing, an appeal about ZTO in Chengdu forwarded to ZTO, one about SF in Chengdu forwarded to
SF, and one about ZTO in Mianyang not forwarded yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.test_cases_api import Desk, case_body, desk_on

MISSING = "SS2026-999999"
"""A reference no case has."""


@dataclass(frozen=True)
class Cases:
    """The references of the cases below, by what they are."""

    zto_complaint: str
    sf_complaint: str
    beijing_complaint: str
    zto_appeal: str
    sf_appeal: str
    mianyang_appeal: str

    def all(self) -> set[str]:
        return set(vars(self).values())


def _complaint(desk: Desk, user: str, carrier: str, region: str) -> str:
    body = case_body(kind="complaint", carrier=carrier, region=region, channel="carrier_hotline")
    return str(desk.open(user, **body)["reference"])


def _appeal(desk: Desk, user: str, carrier: str, region: str, forward_to: str | None) -> str:
    case = desk.open(user, carrier=carrier, region=region)
    if forward_to is not None:
        for action, fields in [
            ("review", {}),
            ("admit", {}),
            ("forward", {"carrier_organisation": forward_to}),
        ]:
            case = desk.step(user, case, action, **fields)
    return str(case["reference"])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def desk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    """desk: test_cases_api's offices, carriers and signed-in users, on each engine."""
    with desk_on(request.param, request, tmp_path_factory.mktemp(f"seen-{request.param}")) as made:
        yield made


@pytest.fixture(scope="module")
def cases(desk: Desk) -> Cases:
    """cases: the six cases of the module's docstring, each recorded by whoever records it."""
    return Cases(
        zto_complaint=_complaint(desk, "service.zto", "ZTO", "510104"),
        sf_complaint=_complaint(desk, "service.sf", "SF", "510104"),
        beijing_complaint=_complaint(desk, "service.zto", "ZTO", "110105"),
        zto_appeal=_appeal(desk, "handler.cd", "ZTO", "510107", "zto"),
        sf_appeal=_appeal(desk, "handler.cd", "SF", "510104", "sf"),
        mianyang_appeal=_appeal(desk, "handler.my", "ZTO", "510703", None),
    )


def listed(desk: Desk, user: str, params: dict[str, Any] | None = None) -> set[str]:
    """The references ``user`` is listed (every page), checked against the list's total."""
    found: list[str] = []
    while True:
        page = desk.send(user, "GET", "/cases", params={**(params or {}), "offset": len(found)})
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        found += [item["reference"] for item in items]
        if not items:
            break
    assert len(found) == page.json()["total"] == len(set(found)), user
    return set(found)


def _hidden_as_missing(desk: Desk, user: str, reference: str) -> None:
    """``reference`` answers ``user`` 404 with the words of a reference that does not exist;
    its personal data and a step on it answer exactly as they do for a missing reference
    (404, or 403 to a user who lacks the route's permission whatever the case)."""
    hidden = desk.send(user, "GET", f"/cases/{reference}")
    absent = desk.send(user, "GET", f"/cases/{MISSING}")
    assert (hidden.status_code, absent.status_code) == (404, 404), (user, reference)
    assert hidden.text.replace(reference, MISSING) == absent.text
    step = {"action": "review", "expected_version": 1}
    for method, tail, options in [
        ("GET", "/personal", {}),
        ("POST", "/steps", {"json": step}),
    ]:
        hidden = desk.send(user, method, f"/cases/{reference}{tail}", **options)
        absent = desk.send(user, method, f"/cases/{MISSING}{tail}", **options)
        assert hidden.status_code == absent.status_code, (user, reference, tail)
        assert hidden.text.replace(reference, MISSING) == absent.text, (user, reference, tail)


def test_a_carrier_sees_its_own_complaints_and_the_appeals_forwarded_to_it(
    desk: Desk,
    cases: Cases,
) -> None:
    """ZTO's complaint handler lists and reads ZTO's complaints and the ZTO appeal forwarded
    to it; SF's cases and the Mianyang appeal not yet forwarded are 404 as a missing case, and
    are not listed. SF sees SF's two, and nothing of ZTO's."""
    zto = {cases.zto_complaint, cases.beijing_complaint, cases.zto_appeal}
    sf = {cases.sf_complaint, cases.sf_appeal}
    for user, own in [("service.zto", zto), ("planner.zto", zto), ("service.sf", sf)]:
        assert listed(desk, user) & cases.all() == own, user
        for reference in own:
            assert desk.send(user, "GET", f"/cases/{reference}").status_code == 200
        for reference in cases.all() - own:
            _hidden_as_missing(desk, user, reference)
    assert listed(desk, "service.zto", {"carrier": "SF"}) & cases.all() == set()


def test_a_city_desk_sees_its_city_only(desk: Desk, cases: Cases) -> None:
    """Chengdu's desk and analyst see Chengdu's complaints and appeals of both carriers, and
    neither the Mianyang appeal nor the Beijing complaint; Mianyang's desk sees its own only."""
    chengdu = {cases.zto_complaint, cases.sf_complaint, cases.zto_appeal, cases.sf_appeal}
    for user in ("handler.cd", "analyst.cd"):
        assert listed(desk, user) & cases.all() == chengdu, user
        for reference in cases.all() - chengdu:
            _hidden_as_missing(desk, user, reference)
    assert listed(desk, "handler.my") & cases.all() == {cases.mianyang_appeal}
    _hidden_as_missing(desk, "handler.my", cases.zto_appeal)
    outside = desk.send("handler.cd", "GET", "/cases", params={"region": "5107"})
    assert outside.status_code == 404, outside.text


def test_the_province_sees_its_cities_and_the_nation_sees_all(desk: Desk, cases: Cases) -> None:
    """Sichuan's office sees both cities' cases and not Beijing's; the national office's
    handler and director see every case; a region filter narrows to that city."""
    sichuan = cases.all() - {cases.beijing_complaint}
    assert listed(desk, "handler.sc") & cases.all() == sichuan
    _hidden_as_missing(desk, "handler.sc", cases.beijing_complaint)
    for user in ("handler.spb", "director.spb"):
        assert listed(desk, user) & cases.all() == cases.all(), user
        for reference in cases.all():
            assert desk.send(user, "GET", f"/cases/{reference}").status_code == 200
    mianyang = listed(desk, "handler.sc", {"region": "5107"})
    assert mianyang & cases.all() == {cases.mianyang_appeal}
