"""The monthly appeals bulletin of a deployment, from its recorded appeals and the parcels its
event lake counts — checked against counts made by hand from the same inputs — and the daily
bulletin's complaint rates fed by the same appeals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from peakguard.app import accounts
from peakguard.app.appeals_bulletin import monthly_appeals_bulletin
from peakguard.app.bulletins import measure_bulletin, monthly_period
from peakguard.app.case_drafts import CaseDraft, StepInput
from peakguard.app.cases import open_case, take_step
from peakguard.app.context import open_store
from peakguard.app.events import ingest_events, parse_event_records
from peakguard.cases.model import CaseKind, Category, Intake
from peakguard.config import Settings
from peakguard.identity.model import LOCAL_ADMINISTRATOR, Organisation, OrganisationKind
from peakguard.store.database import Store

CHINA = ZoneInfo("Asia/Shanghai")
ADMIN = LOCAL_ADMINISTRATOR
PARCELS = {("ZTO", "2026-11"): 400, ("SF", "2026-11"): 250, ("ZTO", "2026-10"): 100}
"""Parcels accepted per carrier and month in the lake (one acceptance scan each)."""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    """A store with ZTO's and SF's Sichuan companies and a lake of acceptance scans."""
    store = open_store(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", home=tmp_path))
    for code, carrier in (("zto-sc", "ZTO"), ("sf-sc", "SF")):
        accounts.create_organisation(
            store,
            ADMIN,
            Organisation(code, code, OrganisationKind.carrier, carrier=carrier, region="510000"),
        )
    records = []
    for (carrier, month), count in PARCELS.items():
        for number in range(count):
            records.append(
                {
                    "waybill": f"{carrier}{month.replace('-', '')}{number:05d}",
                    "carrier": carrier,
                    "event": "accept",
                    "node_id": f"{carrier}-CD-O1",
                    "time": f"{month}-{1 + number % 28:02d}T09:00:00+08:00",
                    "origin_region": "510104",
                    "destination_region": "510703",
                    "real_name_verified": True,
                    "inspected": True,
                    "x_rayed": True,
                }
            )
    lake = tmp_path / "lake"
    ingest_events(store, lake, parse_event_records(records), actor=ADMIN, source="test")
    yield store, lake
    store.engine.dispose()


def _appeal(store: Store, carrier: str, day: str, valid: bool | None) -> None:
    """Record an appeal received on ``day`` and, for a finding, walk it to that finding."""
    moment = datetime.fromisoformat(day).replace(hour=10, tzinfo=CHINA)
    draft = CaseDraft(
        kind=CaseKind.appeal,
        carrier=carrier,
        region="510104",
        channel=Intake.phone_12305,
        category=Category.delay if valid else Category.loss,
        summary="未按时送达",
        received_at=moment,
    )
    view = open_case(store, draft, actor=ADMIN, now=moment)
    if valid is None:
        return
    organisation = "zto-sc" if carrier == "ZTO" else "sf-sc"
    for action, given in (
        ("review", StepInput()),
        ("admit", StepInput()),
        ("forward", StepInput(carrier_organisation=organisation)),
        ("carrier_reply", StepInput(answer="已处理")),
        ("answer", StepInput(answer="已答复")),
        (
            "record_finding",
            StepInput(finding_valid=valid, finding_category=Category.delay if valid else None),
        ),
    ):
        moment += timedelta(hours=1)
        view = take_step(
            store,
            view.reference,
            action,
            expected_version=view.version,
            given=given,
            actor=ADMIN,
            now=moment,
        )


def test_the_monthly_bulletin_counts_appeals_over_the_lakes_parcels(
    site: tuple[Store, Path],
) -> None:
    """November: ZTO 2 appeals (1 valid) over 400 parcels, SF 1 valid over 250; October: ZTO
    1 valid over 100. Valid per million, by hand: ZTO 2,500, SF 4,000, national 2 / 650 ×
    10⁶ = 3,076.9; ZTO ranks first (lowest), and its change is 2,500 − 10,000."""
    store, lake = site
    _appeal(store, "ZTO", "2026-11-03", True)
    _appeal(store, "ZTO", "2026-11-20", False)
    _appeal(store, "SF", "2026-11-05", True)
    _appeal(store, "ZTO", "2026-10-15", True)
    bulletin = monthly_appeals_bulletin(store, lake, "2026-11", actor=ADMIN)
    zto, sf = bulletin.carrier("ZTO"), bulletin.carrier("SF")
    assert zto is not None and sf is not None
    assert (zto.current.parcels, zto.current.appeals, zto.current.valid_appeals) == (400, 2, 1)
    assert zto.current.valid_per_million == pytest.approx(1 / 400 * 1e6)
    assert sf.current.valid_per_million == pytest.approx(1 / 250 * 1e6)
    assert bulletin.national.valid_per_million == pytest.approx(2 / 650 * 1e6)
    assert (zto.rank, sf.rank) == (1, 2)
    assert zto.change == pytest.approx(2500 - 10_000)


def test_the_daily_bulletin_shows_complaint_rates_from_the_recorded_appeals(
    site: tuple[Store, Path],
) -> None:
    """With appeals recorded, November's bulletin has the complaint metrics: 3 appeals over
    the 650 parcels accepted, 2 of them valid."""
    store, lake = site
    _appeal(store, "ZTO", "2026-11-03", True)
    _appeal(store, "ZTO", "2026-11-20", None)
    _appeal(store, "SF", "2026-11-05", True)
    bulletin = measure_bulletin(lake, monthly_period("2026-11"), actor=ADMIN, store=store)
    everyone = bulletin.headline("all")
    assert everyone.figure("complaints_per_million").current == pytest.approx(3 / 650 * 1e6)
    assert everyone.figure("valid_complaints_per_million").current == pytest.approx(2 / 650 * 1e6)
    zto = bulletin.headline("ZTO")
    assert zto.figure("complaints_per_million").current == pytest.approx(2 / 400 * 1e6)
