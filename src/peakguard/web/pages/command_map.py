"""The command centre's map panel and the words both landing pages use for a hub's state: the
territory's map with its hubs coloured by warning level, a hub's backlog curve (redrawn by
``static/command.js`` for the hub clicked, from data the page embeds) and the hubs' table."""

from __future__ import annotations

import math
from typing import Any

from peakguard.app.situation import (
    HourReason,
    HubState,
    NetworkState,
    network_state,
)
from peakguard.bulletin.assemble import region_name
from peakguard.domain.regions import prefecture_code
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Principal, RegulatorLevel
from peakguard.simulate.warning_rules import WarningLevel, level_label
from peakguard.web.pages.panels import (
    PanelContext,
    PanelView,
)
from peakguard.web.pages.tables import Column, TableView
from peakguard.web.simulation_charts import LEVEL_COLOURS, NO_LEVEL_COLOUR

NO_WARNING_COLOUR = "#2e7d32"
"""Green: a hub simulated without a warning (grey: not simulated)."""
HUB_ROWS = 40
CURVE_POINTS = 20_000
"""Backlog values a page embeds for its hubs' curves, at most (about 100 kB)."""
NEW_SIMULATION = "/app/simulations/new"


def state_of(context: PanelContext) -> NetworkState:
    return context.once(
        "network_state",
        lambda: network_state(
            context.store, context.settings.home.expanduser(), actor=context.actor, at=context.at
        ),
    )


# -- words and colours ---------------------------------------------------------------------------


def level_text(level: WarningLevel | None, simulated: bool) -> Message:
    if level is not None:
        return level_label(level)
    return _("no warning") if simulated else _("not simulated")


def level_colour(level: WarningLevel | None, simulated: bool) -> str:
    if level is not None:
        return LEVEL_COLOURS[level]
    return NO_WARNING_COLOUR if simulated else NO_LEVEL_COLOUR


def overflow_text(hub: HubState, state: NetworkState) -> Message:
    if state.run is None or state.hour is None or not hub.series:
        return _("no simulation")
    if hub.hours_to_overflow is None:
        return _("not within the run")
    if hub.hours_to_overflow == 0:
        return _("at or over storage now")
    moment = state.run.moment(state.hour + hub.hours_to_overflow)
    return _(
        "in {hours} h ({moment})",
        hours=hub.hours_to_overflow,
        moment=moment.strftime("%Y-%m-%d %H:00"),
    )


def pressure(hub: HubState) -> tuple[float, float, float]:
    """Worst first: the level in force, then the nearest overflow, then the fullest."""
    level = float(hub.level) if hub.level is not None else 9.0
    ahead = float(hub.hours_to_overflow) if hub.hours_to_overflow is not None else 1e9
    return (level, ahead, -(hub.storage_utilisation or 0.0))


# -- the map -------------------------------------------------------------------------------------


def territory_map(actor: Principal) -> str:
    """The map a regulator's territory is drawn on: its province, or China for the national
    office."""
    organisation = actor.organisation
    if organisation.level is RegulatorLevel.national or not organisation.region:
        return "100000"
    return organisation.region[:2] + "0000"


def hub_rows(state: NetworkState, language: str) -> list[dict[str, Any]]:
    simulated = state.run is not None
    ordered = sorted(state.hubs, key=pressure)
    return [
        {
            "node_name": hub.node.name,
            "node_id": hub.node.id,
            "carrier": hub.node.carrier,
            "city": region_name(prefecture_code(hub.node.region)),
            "level": render(level_text(hub.level, simulated and bool(hub.series)), language),
            "backlog": hub.backlog,
            "storage_utilisation": hub.storage_utilisation,
            "hours_to_overflow": hub.hours_to_overflow,
            "overflow": render(overflow_text(hub, state), language),
            "worst_level": render(
                level_text(hub.worst_level, simulated and bool(hub.series)), language
            ),
        }
        for hub in ordered[:HUB_ROWS]
    ]


def hubs_table(state: NetworkState, language: str) -> TableView:
    def label(message: Message) -> str:
        return render(message, language)

    note = label(
        _("Hours to overflow: empty when the backlog stays below storage to the run's end.")
    )
    if len(state.hubs) > HUB_ROWS:
        note = (
            label(
                _(
                    "The {shown} hubs under most pressure of {total}.",
                    shown=HUB_ROWS,
                    total=len(state.hubs),
                )
            )
            + " "
            + note
        )
    return TableView(
        key="hubs",
        title=label(_("Hubs")),
        columns=(
            Column("node_name", label(_("Hub"))),
            Column("node_id", label(_("Node id"))),
            Column("carrier", label(_("Carrier"))),
            Column("city", label(_("City"))),
            Column("level", label(_("Warning at this hour"))),
            Column("backlog", label(_("Backlog")), digits=0),
            Column("storage_utilisation", label(_("Share of storage")), percent=True, digits=1),
            Column("hours_to_overflow", label(_("Hours to overflow")), digits=0),
            Column("worst_level", label(_("Worst warning of the run"))),
        ),
        rows=hub_rows(state, language),
        empty=label(_("No hub of a stored network is within your reach.")),
        note=note,
        filename="hubs",
    )


def map_option(state: NetworkState, actor: Principal, language: str) -> dict[str, Any]:
    """Hubs on the territory's map, one series per warning level (the legend names them)."""
    simulated = state.run is not None
    groups: dict[str, dict[str, Any]] = {}
    for hub in sorted(state.hubs, key=pressure, reverse=True):
        has_run = simulated and bool(hub.series)
        name = render(level_text(hub.level, has_run), language)
        colour = level_colour(hub.level, has_run)
        group = groups.setdefault(
            name,
            {
                "type": "scatter",
                "coordinateSystem": "geo",
                "name": name,
                "symbolSize": 11,
                "itemStyle": {"color": colour, "borderColor": "#fff", "borderWidth": 1},
                "emphasis": {"scale": 1.6},
                "data": [],
            },
        )
        group["data"].append(
            {
                "name": f"{hub.node.name} · {render(overflow_text(hub, state), language)}",
                "value": [hub.node.longitude, hub.node.latitude],
                "node": hub.node.id,
            }
        )
    geo: dict[str, Any] = {
        "map": territory_map(actor),
        "roam": True,
        "itemStyle": {"areaColor": "#f4f6f8", "borderColor": "#aab4bf"},
        "emphasis": {"itemStyle": {"areaColor": "#e3e8ee"}, "label": {"show": False}},
        "label": {"show": False},
    }
    organisation = actor.organisation
    if organisation.level is RegulatorLevel.city and organisation.region and state.hubs:
        longitudes = [hub.node.longitude for hub in state.hubs]
        latitudes = [hub.node.latitude for hub in state.hubs]
        pad = 0.4
        geo["boundingCoords"] = [
            [min(longitudes) - pad, max(latitudes) + pad],
            [max(longitudes) + pad, min(latitudes) - pad],
        ]
        geo["regions"] = [
            {"name": region_name(organisation.region), "itemStyle": {"areaColor": "#dbe7f3"}}
        ]
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}"},
        "legend": {"bottom": 0, "type": "scroll"},
        "geo": geo,
        "series": list(groups.values())[::-1],
    }


def curve_data(state: NetworkState, language: str) -> dict[str, Any]:
    """Every hub's backlog over the run, for the curve a click on the map shows: hourly, or
    every few hours (each stretch's largest backlog) so that the page carries at most
    ``CURVE_POINTS`` values in all."""
    run = state.run
    if run is None or state.hour is None:
        return {}
    drawn = [hub for hub in state.hubs if hub.series]
    step = max(1, math.ceil(run.hours * len(drawn) / CURVE_POINTS))
    starts = range(0, run.hours, step)
    hubs = {
        hub.node.id: {
            "name": hub.node.name,
            "backlog": [round(max(hub.series[start : start + step])) for start in starts],
            "storage": round(hub.storage or hub.node.storage_capacity),
            "overflow": render(overflow_text(hub, state), language),
            "level": render(level_text(hub.level, True), language),
        }
        for hub in drawn
    }
    return {
        "labels": [run.moment(start).strftime("%m-%d %H:00") for start in starts],
        "hour": state.hour // step,
        "hubs": hubs,
        "texts": {
            "backlog": render(_("Backlog"), language),
            "storage": render(_("Storage capacity"), language),
            "shown": render(_("Hour shown"), language),
        },
    }


def curve_option(data: dict[str, Any], node_id: str | None) -> dict[str, Any]:
    """The backlog curve of ``node_id`` (drawn again by command.js for another hub)."""
    hub = data.get("hubs", {}).get(node_id) if node_id else None
    texts = data.get("texts", {})
    labels = data.get("labels", [])
    hour = data.get("hour")
    return {
        "title": {"text": hub["name"] if hub else "", "left": 0, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 56, "right": 16, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": labels, "boundaryGap": False},
        "yAxis": {"type": "value"},
        "series": [
            {
                "type": "line",
                "name": texts.get("backlog", ""),
                "showSymbol": False,
                "data": hub["backlog"] if hub else [],
                "areaStyle": {"opacity": 0.15},
                "markLine": {
                    "symbol": "none",
                    "data": [
                        {
                            "yAxis": hub["storage"] if hub else 0,
                            "name": texts.get("storage", ""),
                            "lineStyle": {"color": LEVEL_COLOURS[WarningLevel.red]},
                        },
                        *(
                            [
                                {
                                    "xAxis": labels[hour],
                                    "name": texts.get("shown", ""),
                                    "lineStyle": {"color": "#5f6b7a"},
                                }
                            ]
                            if hour is not None and labels
                            else []
                        ),
                    ],
                },
            }
        ],
    }


def hour_sentence(state: NetworkState) -> Message | None:
    if state.run is None or state.hour is None:
        return None
    moment = state.run.moment(state.hour).strftime("%Y-%m-%d %H:00")
    if state.hour_reason is HourReason.now:
        return _("Shown at the present hour of the run, {moment}.", moment=moment)
    if state.hour_reason is HourReason.peak:
        return _(
            "The run does not cover the present hour; shown at its peak within your reach, "
            "{moment}.",
            moment=moment,
        )
    return _("Shown at {moment}, as asked.", moment=moment)


def run_sentence(state: NetworkState) -> Message | None:
    run = state.run
    if run is None:
        return None
    return _(
        "From simulation {scenario} of network {network}: {days} days from {first_day}, "
        "finished {finished}.",
        scenario=run.scenario,
        network=run.network,
        days=run.days,
        first_day=run.first_day.isoformat(),
        finished=run.finished_at.strftime("%Y-%m-%d %H:%M") if run.finished_at else "—",
    )


class MapPanel:
    """The territory's map with its hubs by warning level, a hub's backlog curve, the hubs'
    table."""

    key = "map"
    order = 20

    def view(self, context: PanelContext) -> PanelView | None:
        state = state_of(context)
        language = context.language
        table = hubs_table(state, language)
        data = curve_data(state, language)
        first = table.rows[0]["node_id"] if table.rows and data else None
        return PanelView(
            key=self.key,
            title=render(_("The network's state"), language),
            template="command_map.html",
            values={
                "map_code": territory_map(context.actor),
                "map_option": map_option(state, context.actor, language),
                "curve_option": curve_option(data, str(first) if first else None),
                "curve_data": data,
                "table": table,
                **run_values(state, language),
                "network": state.network or "",
            },
            tables=(table,),
            charts=True,
        )


def run_values(state: NetworkState, language: str) -> dict[str, Any]:
    """What a panel over the latest simulation says about it: which run and hour, why there is
    none, and the hours its hour picker may choose (the command centre's map, the desk)."""
    run = state.run
    hour = "%Y-%m-%dT%H:00"
    return {
        "hour_sentence": render(m, language) if (m := hour_sentence(state)) else "",
        "run_sentence": render(m, language) if (m := run_sentence(state)) else "",
        "without_run": render(state.without_run, language) if state.without_run else "",
        "may_simulate": state.may_simulate,
        "new_simulation": NEW_SIMULATION,
        "hour_value": run.moment(state.hour).strftime(hour)
        if run and state.hour is not None
        else "",
        "hour_min": run.moment(0).strftime(hour) if run else "",
        "hour_max": run.moment(run.hours - 1).strftime(hour) if run else "",
    }
