"""The demo's security step on SQLite, over a hand-written season at eight outlets
(tests/integration/demo_security_fixtures.py): the watch list names exactly the three outlets
the lapse policy touched, the register's flags show each suspicious pattern, the orders end in
every state, the held waybill's later scans are violations and the hold is released, and a
second run records nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from peakguard.app import holds, real_name, rectification, security
from peakguard.app.demo_security import record_demo_security
from peakguard.cases.rectification import OrderState
from peakguard.demo.season import double11_scenario
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from tests.integration.demo_security_fixtures import SEED, SecuritySeason, security_season


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuritySeason]:
    """The season recorded once (Argon2 at its cheapest: the demo's 15 users are made)."""
    with pytest.MonkeyPatch.context() as patch:
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        patch.setattr(credentials, "_HASHER", cheap)
        made = security_season(tmp_path_factory.mktemp("demo-security"))
        yield made
        made.store.engine.dispose()


def test_the_watch_list_names_exactly_the_lapsing_outlets(season: SecuritySeason) -> None:
    """On the lake's latest day (18 November) the watch list holds the real-name, X-ray and
    inspection outlets, each for its own check, and none of the five clean outlets."""
    report = security.watchlist(season.lake, actor=ADMIN)
    listed = {entry.outlet.outlet_id: entry for entry in report.entries}
    assert set(listed) == set(season.policy.outlets())
    for lapse in season.policy.lapses:
        assert {reason.flag for reason in listed[lapse.outlet].reasons} == {lapse.flag}
    assert not set(listed) & set(season.clean_outlets)
    assert season.recorded.watch_list and set(season.recorded.watch_list) == set(listed)


def test_the_register_flags_each_pattern(season: SecuritySeason) -> None:
    """Three IDs failing their check, one person's ID on many parcels in a day, the clerk's own
    ID on customers' parcels: each kind flagged, and nothing else."""
    flags = real_name.list_flags(season.store, ADMIN, limit=500).flags
    kinds = Counter(flag.kind for flag in flags)
    assert kinds["invalid_id"] == 3
    assert kinds["volume_day"] == 1
    assert kinds["employee_id"] >= 1
    assert set(kinds) == {"invalid_id", "volume_day", "employee_id"}


def test_orders_end_in_every_state_with_their_penalties(season: SecuritySeason) -> None:
    """Seven orders: one closed, two escalated (a failed re-check with a fine proposed, an
    ignored one escalated by the sweep), two reported, one issued, one extension asked."""
    lines = rectification.list_orders(season.store, actor=ADMIN)
    states = Counter(line.order.state for line in lines)
    assert set(states) == {state.value for state in OrderState}
    assert states == {
        "closed": 1,
        "escalated": 2,
        "reported": 2,
        "issued": 1,
        "extension_requested": 1,
    }
    escalations = {line.order.escalation for line in lines if line.order.state == "escalated"}
    assert escalations == {"recheck_failed", "ignored"}
    assert dict(season.recorded.penalties) == {"opened": 1, "proposed": 1}


def test_the_hold_has_violations_and_is_released(season: SecuritySeason) -> None:
    """The held waybill's three scans after the hold (its departure from the hub, its arrival
    and delivery at the station) are violations; the provincial inspector released it with the
    false-alarm outcome, the next day."""
    (line,) = holds.list_holds(season.store, ADMIN)
    view = holds.get_hold(season.store, ADMIN, line.hold.id)
    assert [v.event for v in view.violations] == ["depart", "arrive", "deliver"]
    assert view.hold.state == "released" and view.hold.release_outcome == "false_alarm"
    assert view.hold.released_by.startswith("sc.inspector")
    assert view.evidence


def test_a_second_run_records_nothing(season: SecuritySeason) -> None:
    """Recording again reads the season back: no second inspection, entry or order."""
    before = season.recorded
    again = record_demo_security(
        season.store,
        season.lake,
        season.network,
        double11_scenario(),
        seed=SEED,
        actor=ADMIN,
        policy=season.policy,
        settings=season.settings,
    )
    assert again.already_recorded
    assert (again.inspections, again.register_entries, again.orders) == (
        before.inspections,
        before.register_entries,
        before.orders,
    )
