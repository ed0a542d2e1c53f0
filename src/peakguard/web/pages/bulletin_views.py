"""What the bulletin pages show, built from a :class:`~peakguard.bulletin.Bulletin` or a
:class:`~peakguard.bulletin.drill.Drill`: the headline cards, the tables (each a
:class:`TableView`, so its CSV and Excel exports hold exactly the rows on screen) and the
ECharts options of the charts. Nothing here measures: the figures are the bulletin's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peakguard.analytics import LEGS
from peakguard.bulletin import ALL_CARRIERS, Bulletin, Headline, Subject, Unit, metric
from peakguard.bulletin.drill import Drill, FocusKind
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import Message, _, render
from peakguard.web.pages.tables import Column, TableView, Value

CARD_METRICS = (
    "accepted",
    "rate_72h",
    "on_time_rate",
    "mean_journey_hours",
    "information_loss_rate",
    "all_three_share",
)
"""The headline figures shown as cards, in order."""

CARRIER_METRICS = (
    "accepted",
    "due_72h",
    "rate_72h",
    "on_time_rate",
    "mean_journey_hours",
    "information_loss_rate",
    "all_three_share",
    "lost_per_million",
    "damaged_per_million",
)
"""The columns of the carrier table after the rank and the carrier."""

Link = Callable[[FocusKind, str], str]
"""The drill-down page of a carrier or a region, for the period shown."""


@dataclass(frozen=True)
class Card:
    metric: str
    label: str
    value: str
    raw: float | None
    detail: str
    tone: str


def china_time(moment: datetime) -> str:
    """A moment as China's clock reads it (``2026-11-11 18:00``): as text, so the screen and
    the exports show it alike."""
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def digits_of(unit: Unit) -> int:
    """Decimals a figure of ``unit`` shows: whole parcels, one decimal otherwise."""
    return 0 if unit is Unit.count else 1


def metric_column(key: str, language: str) -> Column:
    """A column of one headline metric: shares in per cent, the rest as numbers."""
    item = metric(key)
    return Column(
        key,
        render(item.label, language),
        digits=digits_of(item.unit),
        percent=item.unit is Unit.share,
    )


def _shown(unit: Unit, value: float | None) -> float | None:
    """A figure as the metric table shows it: shares in per cent."""
    if value is None:
        return None
    return value * 100 if unit is Unit.share else value


def unit_label(unit: Unit, language: str) -> str:
    labels: dict[Unit, Message | str] = {
        Unit.count: _("parcels"),
        Unit.share: "%",
        Unit.hours: _("hours"),
        Unit.per_million: _("per million"),
    }
    return render(labels[unit], language)


def change_label(unit: Unit, language: str) -> str:
    labels: dict[Unit, Message] = {
        Unit.count: _("% change"),
        Unit.share: _("percentage points"),
        Unit.hours: _("hours"),
        Unit.per_million: _("per million"),
    }
    return render(labels[unit], language)


def cards(headline: Headline, language: str) -> list[Card]:
    """The headline cards: the figure, its change against the previous period, and a tone
    (green better, red worse) where a direction is better."""
    found = []
    for key in CARD_METRICS:
        figure = headline.figure(key)
        item = metric(key)
        column = metric_column(key, language)
        value = column.display({key: figure.current}, language)
        detail, tone = "", ""
        if figure.change is not None:
            shown = figure.change * 100 if item.unit is Unit.count else figure.change
            detail = render(
                _(
                    "{change} {unit} against the previous period",
                    change=f"{shown:+,.1f}",
                    unit=change_label(item.unit, language),
                ),
                language,
            )
            if item.better is not None and figure.change:
                improved = (figure.change > 0) == (item.better.value == "higher")
                tone = "green" if improved else "red"
        found.append(Card(key, render(item.label, language), value, figure.current, detail, tone))
    return found


def figures_view(bulletin: Bulletin, carrier: str, language: str, key: str) -> TableView:
    """Every headline metric of ``carrier`` (``all``: every carrier together): this period,
    the previous one and the change, in the metric's unit."""
    rows: list[dict[str, Value]] = []
    headline = bulletin.headline(carrier)
    for item in bulletin.metrics:
        figure = headline.figure(item.key)
        change = figure.change
        if change is not None and item.unit is Unit.count:
            change *= 100
        rows.append(
            {
                "metric": render(item.label, language),
                "unit": unit_label(item.unit, language),
                "current": _shown(item.unit, figure.current),
                "previous": _shown(item.unit, figure.previous),
                "change": change,
                "change_unit": change_label(item.unit, language),
            }
        )
    columns = (
        Column("metric", render(_("Indicator"), language)),
        Column("unit", render(_("Unit"), language)),
        Column("current", render(_("This period"), language), digits=2),
        Column("previous", render(_("Previous period"), language), digits=2),
        Column("change", render(_("Change"), language), digits=2),
        Column("change_unit", render(_("Change in"), language)),
    )
    return TableView(
        key=key,
        title=render(_("Headline figures"), language),
        columns=columns,
        rows=rows,
        note=render(
            _(
                "{period} against {previous}",
                period=bulletin.period.label,
                previous=bulletin.previous.label,
            ),
            language,
        ),
    )


def carriers_view(
    bulletin: Bulletin, language: str, link: Link | None, *, key: str = "carriers"
) -> TableView:
    """The carriers ranked by their 72-hour delivery rate, with their other headline
    figures; each links to its drill-down when ``link`` is given."""
    ranking = bulletin.ranking(Subject.carrier, "rate_72h")
    rows: list[dict[str, Value]] = []
    for row in ranking.rows:
        headline = bulletin.headline(row.key)
        values: dict[str, Value] = {
            "rank": row.rank,
            "carrier": row.key,
            "url": link(FocusKind.carrier, row.key) if link else None,
            "previous_rank": row.previous_rank,
        }
        for name in CARRIER_METRICS:
            values[name] = headline.figure(name).current
        values["rate_72h_change"] = headline.figure("rate_72h").change
        rows.append(values)
    columns: list[Column] = [
        Column("rank", render(_("Rank"), language), digits=0),
        Column("carrier", render(_("Carrier"), language), link="url" if link else None),
    ]
    for name in CARRIER_METRICS:
        columns.append(metric_column(name, language))
        if name == "rate_72h":
            columns.append(
                Column("rate_72h_change", render(_("Change (points)"), language), digits=1)
            )
    columns.append(Column("previous_rank", render(_("Previous rank"), language), digits=0))
    return TableView(
        key=key,
        title=render(_("Carriers ranked by the 72-hour delivery rate"), language),
        columns=columns,
        rows=rows,
        empty=render(_("No carrier has parcels in this period."), language),
    )


def regions_view(
    bulletin: Bulletin,
    subject: Subject,
    language: str,
    link: Link | None,
    *,
    key: str,
) -> TableView:
    """Origin provinces or cities ranked by their 72-hour delivery rate, with their journey
    time where the journey ranking lists them; each links to its drill-down."""
    ranking = bulletin.ranking(subject, "rate_72h")
    journeys = {row.key: row for row in bulletin.ranking(subject, "mean_journey_hours").rows}
    rows: list[dict[str, Value]] = []
    for row in ranking.rows:
        journey = journeys.get(row.key)
        rows.append(
            {
                "rank": row.rank,
                "code": row.key,
                "name": row.name or row.key,
                "url": link(FocusKind.region, row.key) if link else None,
                "rate_72h": row.value,
                "change": row.change,
                "previous_rank": row.previous_rank,
                "due_72h": row.base,
                "mean_journey_hours": journey.value if journey else None,
            }
        )
    province = subject is Subject.origin_province
    columns = (
        Column("rank", render(_("Rank"), language), digits=0),
        Column("code", render(_("Code"), language)),
        Column(
            "name",
            render(_("Province") if province else _("City"), language),
            link="url" if link else None,
        ),
        metric_column("rate_72h", language),
        Column("change", render(_("Change (points)"), language), digits=1),
        Column("previous_rank", render(_("Previous rank"), language), digits=0),
        Column("due_72h", render(_("Parcels past 72 hours"), language), digits=0),
        metric_column("mean_journey_hours", language),
    )
    title = (
        _("Origin provinces ranked by the 72-hour delivery rate")
        if province
        else _("Origin cities ranked by the 72-hour delivery rate")
    )
    return TableView(
        key=key,
        title=render(title, language),
        columns=columns,
        rows=rows,
        empty=render(_("No parcels past 72 hours in this period."), language),
        note=render(_("By the region where the parcels were accepted."), language),
    )


def node_views(bulletin: Bulletin, language: str) -> list[TableView]:
    """The worst nodes: the largest backlog, the longest dwell, the most unmatched handovers."""
    node = render(_("Node"), language)
    carrier = render(_("Carrier"), language)
    backlog = TableView(
        key="backlog",
        title=render(_("Worst nodes by backlog"), language),
        columns=(
            Column("node_id", node),
            Column("carrier", carrier),
            Column("peak_backlog", render(_("Peak backlog (parcels)"), language), digits=0),
            Column("peak_hour", render(_("First hour at the peak (China time)"), language)),
            Column("arrived", render(_("Arrived in the period"), language), digits=0),
        ),
        rows=[
            {
                "node_id": row.node_id,
                "carrier": row.carrier,
                "peak_backlog": row.peak_backlog,
                "peak_hour": china_time(row.peak_hour),
                "arrived": row.arrived,
            }
            for row in bulletin.busiest_nodes
        ],
        empty=render(_("No node had a backlog at the end of an hour."), language),
    )
    dwell = TableView(
        key="dwell",
        title=render(_("Worst nodes by dwell"), language),
        columns=(
            Column("node_id", node),
            Column("carrier", carrier),
            Column("parcels", render(_("Parcels that left"), language), digits=0),
            Column("mean_dwell_hours", render(_("Mean dwell (hours)"), language), digits=1),
        ),
        rows=[
            {
                "node_id": row.node_id,
                "carrier": row.carrier,
                "parcels": row.parcels,
                "mean_dwell_hours": row.mean_dwell_hours,
            }
            for row in bulletin.slowest_nodes
        ],
        empty=render(_("No parcel left a node in this period."), language),
    )
    handovers = TableView(
        key="handovers",
        title=render(_("Worst nodes by unmatched handovers"), language),
        columns=(
            Column("node_id", node),
            Column("carrier", carrier),
            Column("handovers", render(_("Handovers"), language), digits=0),
            Column("late", render(_("Late"), language), digits=0),
            Column("missing", render(_("Missing"), language), digits=0),
            Column("unmatched_rate", render(_("Unmatched"), language), digits=1, percent=True),
        ),
        rows=[
            {
                "node_id": row.node_id,
                "carrier": row.carrier,
                "handovers": row.handovers,
                "late": row.late,
                "missing": row.missing,
                "unmatched_rate": row.unmatched_rate,
            }
            for row in bulletin.unmatched_nodes
        ],
        empty=render(_("Every handover was matched in time."), language),
    )
    return [backlog, dwell, handovers]


def pairs_view(drill: Drill, language: str) -> TableView:
    """The worst origin–destination pairs by the on-time rate."""
    return TableView(
        key="pairs",
        title=render(_("Worst origin–destination pairs by the on-time rate"), language),
        columns=(
            Column("origin_name", render(_("Origin"), language)),
            Column("destination_name", render(_("Destination"), language)),
            Column("accepted", render(_("Parcels accepted"), language), digits=0),
            Column("due", render(_("Parcels past their time limit"), language), digits=0),
            Column("on_time_rate", render(_("On-time rate"), language), digits=1, percent=True),
            Column(
                "rate_72h", render(_("72-hour delivery rate"), language), digits=1, percent=True
            ),
            Column("mean_journey_hours", render(_("Mean journey (hours)"), language), digits=1),
            Column("p50_journey_hours", render(_("Median journey (hours)"), language), digits=1),
            Column("p90_journey_hours", render(_("90th percentile (hours)"), language), digits=1),
        ),
        rows=[
            {
                "origin_name": f"{pair.origin_name or pair.origin} ({pair.origin})",
                "destination_name": (
                    f"{pair.destination_name or pair.destination} ({pair.destination})"
                ),
                "accepted": pair.accepted,
                "due": pair.due,
                "on_time_rate": pair.on_time_rate,
                "rate_72h": pair.rate_72h,
                "mean_journey_hours": pair.mean_journey_hours,
                "p50_journey_hours": pair.p50_journey_hours,
                "p90_journey_hours": pair.p90_journey_hours,
            }
            for pair in drill.pairs
        ],
        empty=render(
            _(
                "No pair has {count} or more parcels past their time limit in this period.",
                count=drill.options.min_pair_parcels,
            ),
            language,
        ),
        note=render(
            _(
                "Pairs with at least {count} parcels past their service-standard limit, "
                "lowest on-time rate first.",
                count=drill.options.min_pair_parcels,
            ),
            language,
        ),
    )


# -- charts -------------------------------------------------------------------------------------


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def rate_chart(bulletin: Bulletin, language: str, link: Link | None) -> dict[str, Any]:
    """Bars of the 72-hour delivery rate and the on-time rate by carrier (per cent); a bar
    opens the carrier's drill-down."""
    carriers = [row.key for row in bulletin.ranking(Subject.carrier, "rate_72h").rows]

    def bars(key: str) -> list[dict[str, Any]]:
        return [
            {
                "value": _percent(bulletin.headline(code).figure(key).current),
                "url": link(FocusKind.carrier, code) if link else None,
            }
            for code in carriers
        ]

    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 32},
        "xAxis": {"type": "category", "data": carriers},
        "yAxis": {"type": "value", "max": 100, "name": "%"},
        "series": [
            {
                "type": "bar",
                "name": render(metric("rate_72h").label, language),
                "data": bars("rate_72h"),
            },
            {
                "type": "bar",
                "name": render(metric("on_time_rate").label, language),
                "data": bars("on_time_rate"),
            },
        ],
    }


def legs_chart(headlines: Sequence[Headline], language: str) -> dict[str, Any]:
    """The full journey's five legs stacked, one bar per carrier (and all together)."""
    names = [
        render(_("All carriers"), language) if h.carrier == ALL_CARRIERS else h.carrier
        for h in headlines
    ]
    series = []
    for leg in LEGS:
        key = f"mean_{leg}_hours"
        series.append(
            {
                "type": "bar",
                "stack": "journey",
                "name": render(metric(key).label, language),
                "data": [_round(h.figure(key).current) for h in headlines],
            }
        )
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 70, "right": 16, "top": 56, "bottom": 32},
        "xAxis": {"type": "value", "name": render(_("hours"), language)},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": series,
    }


def pairs_chart(drill: Drill, language: str) -> dict[str, Any]:
    """The worst pairs' on-time rate, worst on top."""
    labels = [
        f"{p.origin_name or p.origin} → {p.destination_name or p.destination}" for p in drill.pairs
    ]
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 150, "right": 16, "top": 16, "bottom": 32},
        "xAxis": {"type": "value", "max": 100, "name": "%"},
        "yAxis": {"type": "category", "data": labels, "inverse": True},
        "series": [
            {
                "type": "bar",
                "name": render(_("On-time rate"), language),
                "data": [_percent(p.on_time_rate) for p in drill.pairs],
            }
        ],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
