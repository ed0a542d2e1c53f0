"""SVG geometry for the plan report: hub load before and after, and pickups per carrier per day.

Functions of numbers only, as in :mod:`.simulation_charts`: they take figures already taken
out of a plan and labels already rendered (by :class:`PlanFormats`), and return frozen
dataclasses that the template ``web/templates/plan_report.html`` draws. Bar lengths are
proportional to their values from a zero baseline, and each bar carries its value as a data
attribute, so that what is drawn can be checked against what was computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from peakguard.web.language_formats import LanguageFormats
from peakguard.web.simulation_charts import Tick, nice_scale

FULL = 1.0 + 1e-6
"""A utilisation above this is over capacity (overflow, 爆仓)."""

HUB_CHART_WIDTH = 1100.0
HUB_LABEL_WIDTH = 260.0
HUB_VALUE_ROOM = 64.0
"""Room right of the plot for the value label of the longest bar."""
HUB_BAR = 11.0
HUB_BAR_GAP = 3.0
HUB_GROUP_GAP = 12.0
HUB_TOP = 30.0
HUB_BOTTOM = 12.0

PANEL_WIDTH = 540.0
PANEL_HEIGHT = 210.0
PANEL_LEFT = 58.0
PANEL_RIGHT = 10.0
PANEL_TOP = 14.0
PANEL_BOTTOM = 30.0


class PlanFormats(LanguageFormats):
    """Numbers, dates and messages in the report's language."""

    def day(self, day: date) -> str:
        """A short date (Nov 11, 11月11日)."""
        return self.short_date(day)

    def moment(self, moment: datetime) -> str:
        return moment.strftime("%Y-%m-%d %H:%M")


# --- hub load before and after ---------------------------------------------------------------


@dataclass(frozen=True)
class HubLoad:
    """One hub's peak storage utilisation, unplanned and planned, as the caller knows it."""

    node_id: str
    label: str
    caption: str
    before: float
    after: float


@dataclass(frozen=True)
class HubBar:
    series: str
    """``unplanned`` or ``planned``."""
    value: float
    x: float
    y: float
    width: float
    height: float
    over: bool
    excess_x: float
    """Where the part over 100 % begins (drawn in red on top of the bar)."""
    excess_width: float
    label: str
    label_x: float
    tooltip: str


@dataclass(frozen=True)
class HubRow:
    node_id: str
    label: str
    caption: str
    y: float
    label_y: float
    over: bool
    bars: tuple[HubBar, HubBar]


@dataclass(frozen=True)
class Rule:
    """A vertical reference line across the plot (100 %, the plan's margin)."""

    kind: str
    value: float
    x: float
    label: str


@dataclass(frozen=True)
class HubChart:
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    pixels_per_unit: float
    """Bar width in pixels of a utilisation of 1.0 (100 %)."""
    rows: tuple[HubRow, ...]
    ticks: tuple[Tick, ...]
    rules: tuple[Rule, ...]


def hub_chart(
    loads: Sequence[HubLoad],
    *,
    margin: float,
    margin_label: str,
    full_label: str,
    series_labels: tuple[str, str],
    formats: PlanFormats,
) -> HubChart:
    """A pair of horizontal bars per hub (unplanned above planned), in the order given, on one
    scale from 0 with lines at 100 % and at the plan's margin."""
    largest = max([1.0, margin, *(load.before for load in loads), *(load.after for load in loads)])
    top_value, steps = nice_scale(largest * 1.02, steps=5)
    left, right = HUB_LABEL_WIDTH, HUB_CHART_WIDTH - HUB_VALUE_ROOM
    scale = (right - left) / top_value

    def x(value: float) -> float:
        return round(left + scale * value, 2)

    group = 2 * HUB_BAR + HUB_BAR_GAP + HUB_GROUP_GAP
    rows = []
    for index, load in enumerate(loads):
        y = HUB_TOP + index * group + HUB_GROUP_GAP / 2
        bars = []
        for position, (series, value) in enumerate(
            (("unplanned", load.before), ("planned", load.after))
        ):
            bar_y = round(y + position * (HUB_BAR + HUB_BAR_GAP), 2)
            over = value > FULL
            end = x(value)
            label = formats.percent(value)
            bars.append(
                HubBar(
                    series=series,
                    value=value,
                    x=left,
                    y=bar_y,
                    width=round(scale * value, 2),
                    height=HUB_BAR,
                    over=over,
                    excess_x=x(1.0),
                    excess_width=round(max(end - x(1.0), 0.0), 2) if over else 0.0,
                    label=label,
                    label_x=round(end + 4, 2),
                    tooltip=f"{load.label} · {series_labels[position]}: {label}",
                )
            )
        rows.append(
            HubRow(
                node_id=load.node_id,
                label=load.label,
                caption=load.caption,
                y=round(y, 2),
                label_y=round(y + HUB_BAR + HUB_BAR_GAP / 2 + 4, 2),
                over=any(bar.over for bar in bars),
                bars=(bars[0], bars[1]),
            )
        )
    bottom = HUB_TOP + len(loads) * group
    rules = [Rule("full", 1.0, x(1.0), full_label)]
    if margin < 1.0:
        rules.append(Rule("margin", margin, x(margin), margin_label))
    return HubChart(
        width=HUB_CHART_WIDTH,
        height=round(bottom + HUB_BOTTOM, 2),
        left=left,
        right=right,
        top=HUB_TOP,
        bottom=round(bottom, 2),
        pixels_per_unit=round(scale, 6),
        rows=tuple(rows),
        ticks=tuple(Tick(x(step), formats.percent(step)) for step in steps),
        rules=tuple(rules),
    )


# --- pickups per carrier per day -------------------------------------------------------------


@dataclass(frozen=True)
class DayBar:
    series: str
    """``released`` or ``picked-up``."""
    day: str
    """ISO date."""
    value: float
    x: float
    y: float
    width: float
    height: float
    tooltip: str


@dataclass(frozen=True)
class CarrierPanel:
    carrier: str
    title: str
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    bars: tuple[DayBar, ...]
    ticks: tuple[Tick, ...]
    days: tuple[Tick, ...]


def carrier_panel(
    carrier: str,
    title: str,
    days: Sequence[date],
    released: Sequence[float],
    picked_up: Sequence[float],
    *,
    maximum: float,
    series_labels: tuple[str, str],
    formats: PlanFormats,
) -> CarrierPanel:
    """Released and picked-up parcels per day, side by side, on a scale topped at ``maximum``
    (the same for every carrier, so that the panels compare)."""
    left, right = PANEL_LEFT, PANEL_WIDTH - PANEL_RIGHT
    top, bottom = PANEL_TOP + 8, PANEL_HEIGHT - PANEL_BOTTOM
    top_value, steps = nice_scale(maximum, steps=4)
    scale = (bottom - top) / top_value
    slot = (right - left) / max(len(days), 1)
    width = round(min(slot * 0.38, 28.0), 2)
    bars = []
    for index, day in enumerate(days):
        centre = left + slot * (index + 0.5)
        for position, (series, value) in enumerate(
            (("released", released[index]), ("picked-up", picked_up[index]))
        ):
            height = round(scale * value, 2)
            bars.append(
                DayBar(
                    series=series,
                    day=day.isoformat(),
                    value=value,
                    x=round(centre - width + position * width, 2),
                    y=round(bottom - height, 2),
                    width=width,
                    height=height,
                    tooltip=(
                        f"{title} · {formats.day(day)} · {series_labels[position]}: "
                        f"{formats.number(value)}"
                    ),
                )
            )
    every = max(1, round(len(days) / 10))
    return CarrierPanel(
        carrier=carrier,
        title=title,
        width=PANEL_WIDTH,
        height=PANEL_HEIGHT,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bars=tuple(bars),
        ticks=tuple(Tick(round(bottom - scale * step, 2), formats.number(step)) for step in steps),
        days=tuple(
            Tick(round(left + slot * (index + 0.5), 2), formats.day(day))
            for index, day in enumerate(days)
            if index % every == 0
        ),
    )
