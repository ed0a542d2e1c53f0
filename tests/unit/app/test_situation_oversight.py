"""Whose simulation a landing page opens on: the organisation's own latest, or that of the
offices over it (a city office sees its province's run, cut to its own reach); never another
province's or another brand's."""

from __future__ import annotations

from pathlib import Path

from peakguard.app.situation import network_state, overseeing
from peakguard.identity.model import Organisation, OrganisationKind, Permission, RegulatorLevel
from peakguard.store.database import Store
from tests.unit.app.test_situation import (
    CHENGDU,
    SF_HUB,
    ZTO,
    finished_simulation,
    home,
    member,
    store,
)

__all__ = ["home", "store"]

SICHUAN = Organisation(
    "sc", "四川省邮政管理局", OrganisationKind.regulator, RegulatorLevel.provincial, "510000"
)
YUNNAN = Organisation(
    "yn", "云南省邮政管理局", OrganisationKind.regulator, RegulatorLevel.provincial, "530000"
)
ZTO_SICHUAN = Organisation(
    "zto-sc", "中通快递四川省公司", OrganisationKind.carrier, region="510000", carrier="ZTO"
)
READ = (Permission.network_read, Permission.simulation_run)


def test_a_city_office_sees_its_provinces_run_cut_to_its_reach(store: Store, home: Path) -> None:
    """Chengdu has run nothing; Sichuan's run shows, with Chengdu's hubs only."""
    chengdu = member(store, CHENGDU, *READ)
    member(store, SICHUAN, *READ)
    member(store, YUNNAN, *READ)
    assert network_state(store, home, actor=chengdu).run is None
    finished_simulation(store, home, YUNNAN)
    assert network_state(store, home, actor=chengdu).run is None, "another province's run"
    folder = finished_simulation(store, home, SICHUAN)
    state = network_state(store, home, actor=chengdu)
    assert state.run is not None and state.run.job_id == folder.name
    assert state.hubs and all(hub.node.region.startswith("5101") for hub in state.hubs)
    assert {o.code for o in overseeing(store, chengdu.organisation)} == {"sc"}


def test_a_province_does_not_see_its_cities_runs(store: Store, home: Path) -> None:
    sichuan = member(store, SICHUAN, *READ)
    member(store, CHENGDU, *READ)
    finished_simulation(store, home, CHENGDU)
    assert network_state(store, home, actor=sichuan).run is None


def test_a_provincial_company_sees_its_headquarters_run_of_its_brand(
    store: Store, home: Path
) -> None:
    company = member(store, ZTO_SICHUAN, *READ)
    member(store, ZTO, *READ)
    finished_simulation(store, home, ZTO)
    state = network_state(store, home, actor=company)
    assert state.run is not None
    assert state.hubs and SF_HUB not in {hub.node.id for hub in state.hubs}
