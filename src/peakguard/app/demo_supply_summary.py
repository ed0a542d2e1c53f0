"""What the demo's supply guarantee recorded (:mod:`peakguard.app.demo_supply`), as a summary
for the printed output and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from peakguard.app.demo_supply_parcels import BoundParcel
from peakguard.demo.static_control import StaticControl
from peakguard.i18n import Message, _, render


@dataclass
class Outcome:
    """What the steps made, filled in as they run."""

    control: StaticControl
    incident: str | None = None
    incident_version: int = 0
    blockage_clock: str = ""
    orders: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    """Script reference → (stored reference, state, version)."""
    late_quotations: list[str] = field(default_factory=list)
    dispatch: dict[str, str] = field(default_factory=dict)
    """Script reference → dispatch mode."""
    point: str | None = None
    bottleneck: Message | None = None
    shipping: dict[str, datetime] = field(default_factory=dict)
    """Script reference → when the point ships the order's goods."""
    shuttle_days: list[tuple[date, int, int]] = field(default_factory=list)
    """(day, trips, vehicles used) of each day's shuttle plan."""
    unserved: int = 0
    """Sets the shuttle plans leave undelivered."""
    missing: list[tuple[date, str, tuple[Message, ...]]] = field(default_factory=list)
    """(day, vehicle/driver/station, why) of what each shuttle plan says is missing."""
    coverage: str | None = None
    tip: str | None = None
    notice: str | None = None
    bound: list[BoundParcel] = field(default_factory=list)
    tracked: int = 0
    """Parcels bound for the city whose tracking carries the control's notice."""
    messages: int = 0
    """Arrival messages in the outbox for those parcels."""
    unestimated: int = 0
    """Parcels on their way not messaged (no estimate of their arrival)."""
    left_out: list[str] = field(default_factory=list)
    already_recorded: bool = False


@dataclass(frozen=True)
class DemoSupply:
    """Ya'an's static control and the supply guarantee around it, as recorded."""

    city: str
    city_name: str
    start: datetime
    end: datetime
    incident: str | None
    blockage_clock: str
    orders: tuple[tuple[str, str, str], ...]
    """(script reference, stored reference, state) of each supply order."""
    late_quotations: tuple[str, ...]
    """The stored references of the orders whose quotation clock the sweep breached."""
    dispatch: tuple[tuple[str, str], ...]
    point: str | None
    bottleneck: Message | None
    shipping: tuple[tuple[str, datetime], ...]
    shuttle_days: tuple[tuple[date, int, int], ...]
    unserved: int
    missing: tuple[tuple[date, str, tuple[Message, ...]], ...]
    coverage: str | None
    tip: str | None
    notice: str | None
    bound: int
    """Parcels of the lake bound for the city while it was controlled."""
    tracked: int
    messages: int
    unestimated: int
    left_out: tuple[str, ...]
    """Parts not recorded (an area's operations missing, users missing), in words."""
    already_recorded: bool = False

    def figures(self) -> list[tuple[Message, str]]:
        """The summary as labelled figures for the demo's printed output."""
        period = f"{self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"
        rows: list[tuple[Message, str]] = [
            (_("Static control (incident)"), f"{self.city_name} {period} ({self.incident or '-'})"),
        ]
        if self.orders:
            states = ", ".join(f"{stored} {state}" for _script, stored, state in self.orders)
            rows.append((_("Supply orders and their states"), states))
            rows.append(
                (_("Quotations late (clock breached)"), ", ".join(self.late_quotations) or "-")
            )
        if self.dispatch:
            modes = ", ".join(f"{order} {mode}" for order, mode in self.dispatch)
            rows.append((_("Dispatch modes chosen"), modes))
        if self.point is not None:
            ships = ", ".join(f"{order} {moment:%m-%d %H:%M}" for order, moment in self.shipping)
            rows.append((_("Consolidation point: orders shipped"), f"{self.point}: {ships}"))
            bottleneck = "-" if self.bottleneck is None else render(self.bottleneck)
            rows.append((_("Consolidation point's bottleneck"), bottleneck))
        if self.shuttle_days:
            days = ", ".join(
                f"{day:%m-%d} {trips}/{vehicles}" for day, trips, vehicles in self.shuttle_days
            )
            rows.append((_("Shuttle plans (day trips/vehicles)"), days))
            rows.append((_("Shuttle plans: sets left undelivered"), f"{self.unserved:,}"))
            missing = "; ".join(
                f"{day:%m-%d} " + " ".join(render(reason) for reason in reasons)
                for day, _subject, reasons in self.missing
            )
            rows.append((_("Shuttle plans: passes missing"), missing or "-"))
        if self.coverage is not None:
            rows.append((_("Coverage plan for the city's mail"), self.coverage))
        if self.tip is not None or self.notice is not None:
            rows.append(
                (
                    _("Consumer tip; controlled-area notice"),
                    f"{self.tip or '-'}; {self.notice or '-'}",
                )
            )
        rows.append(
            (
                _(
                    "Parcels bound for the city: with the notice, arrival messages (on their "
                    "way without an estimate)"
                ),
                f"{self.bound:,}: {self.tracked:,}, {self.messages:,} ({self.unestimated:,})",
            )
        )
        if self.left_out:
            rows.append((_("Parts of the supply guarantee left out"), "; ".join(self.left_out)))
        if self.already_recorded:
            rows.append((_("Recorded by an earlier run of the demo"), render(_("yes"))))
        return rows


def supply_summary(outcome: Outcome) -> DemoSupply:
    """The frozen summary of what the steps recorded."""
    control = outcome.control
    return DemoSupply(
        city=control.region,
        city_name=control.name,
        start=control.start,
        end=control.end,
        incident=outcome.incident,
        blockage_clock=outcome.blockage_clock,
        orders=tuple(
            (script, stored, state) for script, (stored, state, _v) in outcome.orders.items()
        ),
        late_quotations=tuple(outcome.late_quotations),
        dispatch=tuple(outcome.dispatch.items()),
        point=outcome.point,
        bottleneck=outcome.bottleneck,
        shipping=tuple(outcome.shipping.items()),
        shuttle_days=tuple(outcome.shuttle_days),
        unserved=outcome.unserved,
        missing=tuple(outcome.missing),
        coverage=outcome.coverage,
        tip=outcome.tip,
        notice=outcome.notice,
        bound=len(outcome.bound),
        tracked=outcome.tracked,
        messages=outcome.messages,
        unestimated=outcome.unestimated,
        left_out=tuple(outcome.left_out),
        already_recorded=outcome.already_recorded,
    )
