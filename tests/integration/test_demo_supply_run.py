"""What ``peakguard demo`` leaves of Ya'an's static control, read from its database and lake.

:func:`assert_demo_supply` is called by the demo's test in test_cli.py on the session's one
run (``demo_run``): the demo's tests live in that one module so that, under two xdist workers,
one worker runs the demo once. Here it is checked on its own sentences only."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from peakguard.app.context import open_store
from peakguard.app.controlled_areas import controlled_areas_in
from peakguard.app.demo_supply_parcels import bound_parcels
from peakguard.app.demo_supply_work import ETA
from peakguard.app.notice_messages import read_outbox
from peakguard.app.shuttles import list_shuttle_plans
from peakguard.app.supply_orders import get_supply_order, list_supply_orders
from peakguard.app.tracking import track_many
from peakguard.cases.controlled import controlling
from peakguard.config import Settings
from peakguard.demo.season import double11_scenario
from peakguard.demo.static_control import static_control
from peakguard.domain.scans import CHINA_STANDARD_TIME as CHINA
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.store.database import transaction


def assert_demo_supply(output: str, home: Path) -> None:
    """Ya'an is controlled for its five days; every parcel of the lake bound for it while
    controlled carries the notice on its tracking, and those still on their way in the lake with
    an estimate of their arrival (and no other) have their arrival message; exactly one
    quotation (the group buy's) was breached; the shuttle plans from 13 November list the truck
    whose pass lapsed and never route it."""
    assert "Ya'an under static control" in output
    year = double11_scenario().first_day.year
    control = static_control(year)
    store = open_store(Settings(home=home))
    try:
        with transaction(store.sessions) as session:
            areas = controlled_areas_in(session)
        assert controlling(areas, "511802", control.start) is not None
        assert controlling(areas, "511802", control.end) is None
        bound = bound_parcels(home / "lake", control.region, control.start, control.end)
        assert len(bound) > 50, "the lake's sample holds parcels bound for Ya'an"
        sent_at = control.start + timedelta(hours=9)
        found = track_many(store, ADMIN, home / "lake", sorted({p.waybill for p in bound}),
                           now=sent_at, settings=ETA)  # fmt: skip
        told = {message.waybill for message in read_outbox(store, ADMIN, limit=100_000)}
        for parcel in bound:
            (view,) = [v for v in found[parcel.waybill] if v.carrier == parcel.carrier]
            assert view.notice is not None, parcel
            assert view.notice.area.region == control.region
            on_its_way = parcel.finished_at is None and view.estimate.arrival is not None
            assert (parcel.waybill in told) is on_its_way, parcel
        breached = []
        for summary in list_supply_orders(store, ADMIN):
            view = get_supply_order(store, ADMIN, summary.reference)
            quotation = [c for c in view.clocks if c.rule_key == "supply.quotation"]
            if any(c.clock.breached_at is not None for c in quotation):
                breached.append(view.order.kind)
        assert breached == ["group_buy"]
        for record in list_shuttle_plans(store, ADMIN):
            plates = {route.plate for route in record.plan.routes if route.trips}
            lapsed = record.plan.day >= date(year, 11, 13)
            assert ("川T·E0104" in plates) is not lapsed
            assert any(m.subject == "YA-V4" for m in record.plan.missing) is lapsed
    finally:
        store.engine.dispose()


def test_the_demo_s_control_starts_and_ends_at_midnight_china_time() -> None:
    """The control the demo records is 10 November 00:00 to 15 November 00:00, China time."""
    control = static_control(2026)
    assert control.start == datetime(2026, 11, 10, tzinfo=CHINA)
    assert control.end == datetime(2026, 11, 15, tzinfo=CHINA)
