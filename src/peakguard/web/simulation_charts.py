"""SVG geometry for the simulation report: the peak, backlog curves per hub, the warning timeline.

Functions of numbers only: they take series already taken out of a run and labels already
rendered (by :class:`Formats`), and return frozen dataclasses that the template
``web/templates/simulation_report.html`` draws. Every chart shares one idea of time: hour 0 is
00:00 of the scenario's first day, a value recorded "at the end of hour h" is drawn at h + 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import numpy.typing as npt
from babel.numbers import format_compact_decimal

from peakguard.simulate.scenario import Scenario
from peakguard.simulate.warning_rules import WarningLevel
from peakguard.web.language_formats import LanguageFormats

FloatArray = npt.NDArray[np.float64]

LEVEL_COLOURS: dict[WarningLevel, str] = {
    WarningLevel.red: "#d7301f",
    WarningLevel.orange: "#fc8d59",
    WarningLevel.yellow: "#fdd835",
    WarningLevel.blue: "#4a90d9",
}
"""Level I–IV, the colours of 突发事件 warnings (red, orange, yellow, blue)."""
NO_LEVEL_COLOUR = "#c3cad3"

PEAK_WIDTH = 1100.0
CURVE_WIDTH = 330.0
CURVE_HEIGHT = 150.0
TIMELINE_WIDTH = 1100.0
TIMELINE_LABEL_WIDTH = 230.0
TIMELINE_ROW = 17.0
MAX_POINTS = 900
"""Longer series are reduced to this many points (the maximum of each stretch is kept)."""


class Formats(LanguageFormats):
    """Numbers, dates and messages in the report's language, days and hours of one run."""

    def __init__(self, language: str, scenario: Scenario) -> None:
        super().__init__(language)
        self.scenario = scenario

    def compact(self, value: float) -> str:
        """Short axis labels: 40M in English, 4000万 in Chinese."""
        if value == 0:
            return "0"
        return str(format_compact_decimal(value, locale=self.locale, fraction_digits=1))

    def day(self, day: int) -> str:
        """Day ``day`` of the run as a short date (Nov 4, 11月4日)."""
        moment = self.scenario.start.date() + timedelta(days=day)  # day 0 starts the warm-up
        return self.short_date(moment)

    def moment(self, hour: int) -> str:
        return self.scenario.moment(hour).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Shade:
    """A time window drawn as a band: a closure, the drain days or a warning episode."""

    x: float
    width: float
    label: str = ""
    node_id: str = ""
    start_hour: int = 0
    end_hour: int = 0
    level: int = 0
    colour: str = ""
    label_y: float = 0.0


@dataclass(frozen=True)
class Window:
    """A closure or warning episode as the caller knows it: hours and a rendered label."""

    node_id: str
    start_hour: int
    end_hour: int | None
    label: str
    level: WarningLevel | None = None


@dataclass(frozen=True)
class TimeScale:
    hours: int
    left: float
    width: float

    @property
    def right(self) -> float:
        return self.left + self.width

    def x(self, hour: float) -> float:
        return round(self.left + self.width * min(max(hour, 0), self.hours) / self.hours, 1)

    def shade(self, window: Window, *, label_y: float = 0.0) -> Shade:
        end = self.hours if window.end_hour is None else window.end_hour
        x0, x1 = self.x(window.start_hour), self.x(end)
        level = window.level
        return Shade(
            x=x0,
            width=round(max(x1 - x0, 0.8), 1),
            label=window.label,
            node_id=window.node_id,
            start_hour=window.start_hour,
            end_hour=end,
            level=int(level) if level else 0,
            colour=LEVEL_COLOURS[level] if level else "",
            label_y=label_y,
        )

    def days(
        self, formats: Formats, *, min_spacing: float
    ) -> tuple[tuple[float, ...], tuple[Tick, ...]]:
        """Midnight gridlines, and date labels centred on their day, thinned to fit."""
        days = self.hours // 24
        spacing = self.width / max(days, 1)
        every = next((n for n in (1, 2, 3, 4, 7, 14, 28) if n * spacing >= min_spacing), 56)
        lines = tuple(self.x(day * 24) for day in range(1, days))
        ticks = tuple(
            Tick(self.x(day * 24 + (12 if every == 1 else 0)), formats.day(day))
            for day in range(0, days, every)
            # A label needs room to its right (curves anchor their labels at midnight).
            if every == 1 or self.x(day * 24) <= self.right - 0.75 * min_spacing
        )
        return lines, ticks

    def path(self, values: FloatArray, top: float, bottom: float, maximum: float) -> str:
        """A line through ``values`` (one per hour, at the end of the hour), from 0 at hour 0."""
        hours, points = _reduce(values)
        scale = (bottom - top) / maximum if maximum > 0 else 0.0
        coordinates = [f"{self.x(0)},{bottom}"] + [
            f"{self.x(hour)},{round(bottom - scale * value, 1)}"
            for hour, value in zip(hours.tolist(), points.tolist(), strict=True)
        ]
        return "M" + " L".join(coordinates)

    def band(
        self, lower: FloatArray, upper: FloatArray, top: float, bottom: float, maximum: float
    ) -> str:
        """The closed area between two series (a layer of a stacked chart)."""
        hours, high = _reduce(upper)
        _hours, low = _reduce(lower, like=upper)
        scale = (bottom - top) / maximum if maximum > 0 else 0.0
        forward = [f"{self.x(0)},{bottom}"] + [
            f"{self.x(h)},{round(bottom - scale * v, 1)}"
            for h, v in zip(hours.tolist(), high.tolist(), strict=True)
        ]
        back = [
            f"{self.x(h)},{round(bottom - scale * v, 1)}"
            for h, v in zip(hours.tolist()[::-1], low.tolist()[::-1], strict=True)
        ]
        return "M" + " L".join(forward + back) + " Z"


def _reduce(values: FloatArray, *, like: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    """(hour each point is drawn at, value): the hourly series, or per-stretch maxima if long.

    ``like`` picks the stretches' maxima by the hours where ``like`` peaks, so that the layers
    of a stacked chart stay aligned.
    """
    count = len(values)
    ends = np.arange(1, count + 1, dtype=np.float64)
    if count <= MAX_POINTS:
        return ends, values
    step = math.ceil(count / MAX_POINTS)
    padded = np.concatenate([like if like is not None else values, np.zeros(-count % step)])
    chosen = padded.reshape(-1, step).argmax(axis=1) + np.arange(0, len(padded), step)
    chosen = np.minimum(chosen, count - 1)
    return ends[chosen], values[chosen]


def nice_scale(value: float, steps: int = 4) -> tuple[float, list[float]]:
    """A round top at or above ``value`` and the ticks up to it (1, 2, 2.5 or 5 × 10ⁿ apart)."""
    if value <= 0:
        return 1.0, [0.0, 1.0]
    raw = value / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    top = step * math.ceil(value / step - 1e-9)
    return top, [step * index for index in range(round(top / step) + 1)]


# --- the peak ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str
    """``accepted`` or ``delivered``."""
    day: str
    tooltip: str


@dataclass(frozen=True)
class Layer:
    kind: str
    label: str
    colour: str
    path: str


@dataclass(frozen=True)
class PeakChart:
    width: float
    height: float
    left: float
    right: float
    bars_top: float
    bars_bottom: float
    backlog_top: float
    backlog_bottom: float
    bars: tuple[Bar, ...]
    bar_ticks: tuple[Tick, ...]
    backlog_ticks: tuple[Tick, ...]
    layers: tuple[Layer, ...]
    total_path: str
    midnights: tuple[float, ...]
    days: tuple[Tick, ...]
    closures: tuple[Shade, ...]
    drain: Shade | None
    peak_x: float
    peak_y: float
    peak_label: str


@dataclass(frozen=True)
class Series:
    kind: str
    label: str
    colour: str
    values: FloatArray


def peak_chart(
    accepted: FloatArray,
    delivered: FloatArray,
    layers: Sequence[Series],
    *,
    demand_days: int,
    closures: Sequence[Window],
    drain_label: str,
    peak_label: str,
    bar_labels: tuple[str, str],
    formats: Formats,
) -> PeakChart:
    """Parcels accepted and delivered per day (bars), backlog per hour stacked by node kind."""
    days = len(accepted)
    scale = TimeScale(days * 24, 78.0, PEAK_WIDTH - 78.0 - 16.0)
    label_rows = max(1, min(len(closures), 3))
    bars_top = 14.0 + 15.0 * label_rows
    bars_bottom, backlog_top = bars_top + 170.0, bars_top + 200.0
    backlog_bottom = backlog_top + 190.0
    bar_max, bar_ticks = nice_scale(float(max(accepted.max(initial=0), delivered.max(initial=0))))
    total = np.sum([layer.values for layer in layers], axis=0) if layers else np.zeros(days * 24)
    backlog_max, backlog_ticks = nice_scale(float(total.max(initial=0)))
    bars = _day_bars(
        accepted, delivered, scale, (bars_top, bars_bottom, bar_max), bar_labels, formats
    )
    drawn = _stacked_layers(layers, scale, (backlog_top, backlog_bottom, backlog_max))
    midnights, day_ticks = scale.days(formats, min_spacing=52.0)
    peak_hour = int(total.argmax()) if len(total) else 0
    peak_value = float(total[peak_hour]) if len(total) else 0.0
    drain = None
    if demand_days < days:
        drain = scale.shade(Window("", demand_days * 24, days * 24, drain_label))
    return PeakChart(
        width=PEAK_WIDTH,
        height=backlog_bottom + 34.0,
        left=scale.left,
        right=scale.right,
        bars_top=bars_top,
        bars_bottom=bars_bottom,
        backlog_top=backlog_top,
        backlog_bottom=backlog_bottom,
        bars=bars,
        bar_ticks=_axis(bar_ticks, bars_top, bars_bottom, bar_max, formats),
        backlog_ticks=_axis(backlog_ticks, backlog_top, backlog_bottom, backlog_max, formats),
        layers=drawn,
        total_path=scale.path(total, backlog_top, backlog_bottom, backlog_max),
        midnights=midnights,
        days=day_ticks,
        closures=tuple(
            scale.shade(window, label_y=14.0 + 15.0 * (index % label_rows))
            for index, window in enumerate(closures)
        ),
        drain=drain,
        peak_x=scale.x(peak_hour + 1),
        peak_y=round(backlog_bottom - (backlog_bottom - backlog_top) * peak_value / backlog_max, 1),
        peak_label=peak_label,
    )


def _day_bars(
    accepted: FloatArray,
    delivered: FloatArray,
    scale: TimeScale,
    frame: tuple[float, float, float],
    labels: tuple[str, str],
    formats: Formats,
) -> tuple[Bar, ...]:
    """Two bars a day, accepted then delivered; ``frame`` is (top, bottom, axis maximum)."""
    top, bottom, maximum = frame
    day_width = scale.width / len(accepted)
    bars = []
    for series, values, offset in (("accepted", accepted, 0.12), ("delivered", delivered, 0.5)):
        label = labels[0] if series == "accepted" else labels[1]
        for day, value in enumerate(values.tolist()):
            height = round((bottom - top) * value / maximum, 1)
            bars.append(
                Bar(
                    x=round(scale.left + day_width * (day + offset), 1),
                    y=round(bottom - height, 1),
                    width=round(day_width * 0.38, 1),
                    height=height,
                    series=series,
                    day=(formats.scenario.start.date() + timedelta(days=day)).isoformat(),
                    tooltip=f"{formats.day(day)} · {label}: {formats.number(value)}",
                )
            )
    return tuple(bars)


def _stacked_layers(
    layers: Sequence[Series], scale: TimeScale, frame: tuple[float, float, float]
) -> tuple[Layer, ...]:
    """Each series drawn as a band on top of those before it; ``frame`` as for the bars."""
    top, bottom, maximum = frame
    stacked, drawn = np.zeros(scale.hours), []
    for layer in layers:
        upper = stacked + layer.values
        drawn.append(
            Layer(
                layer.kind,
                layer.label,
                layer.colour,
                scale.band(stacked, upper, top, bottom, maximum),
            )
        )
        stacked = upper
    return tuple(drawn)


def _axis(
    values: Sequence[float], top: float, bottom: float, maximum: float, formats: Formats
) -> tuple[Tick, ...]:
    return tuple(
        Tick(round(bottom - (bottom - top) * value / maximum, 1), formats.compact(value))
        for value in values
    )


# --- backlog curves per hub ------------------------------------------------------------------


@dataclass(frozen=True)
class HubCurve:
    node_id: str
    name: str
    caption: str
    level: int
    level_label: str
    colour: str
    summary: str
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    path: str
    area: str
    storage_y: float
    storage_label: str
    ticks: tuple[Tick, ...]
    midnights: tuple[float, ...]
    days: tuple[Tick, ...]
    closures: tuple[Shade, ...]
    bands: tuple[Shade, ...]
    band_y: float


def hub_curve(
    node_id: str,
    *,
    name: str,
    caption: str,
    level: WarningLevel,
    level_label: str,
    summary: str,
    backlog: FloatArray,
    storage: float,
    storage_label: str,
    episodes: Sequence[Window],
    closures: Sequence[Window],
    formats: Formats,
) -> HubCurve:
    """One hub's backlog per hour against its storage, with its warning levels beneath."""
    scale = TimeScale(len(backlog), 46.0, CURVE_WIDTH - 46.0 - 8.0)
    top, bottom = 10.0, CURVE_HEIGHT - 34.0
    maximum, ticks = nice_scale(max(float(backlog.max(initial=0)), storage) * 1.04, steps=3)
    line = scale.path(backlog, top, bottom, maximum)
    midnights, days = scale.days(formats, min_spacing=62.0)
    return HubCurve(
        node_id=node_id,
        name=name,
        caption=caption,
        level=int(level),
        level_label=level_label,
        colour=LEVEL_COLOURS[level],
        summary=summary,
        width=CURVE_WIDTH,
        height=CURVE_HEIGHT,
        left=scale.left,
        right=scale.right,
        top=top,
        bottom=bottom,
        path=line,
        area=f"{line} L{scale.right},{bottom} Z",
        storage_y=round(bottom - (bottom - top) * storage / maximum, 1),
        storage_label=storage_label,
        ticks=_axis(ticks, top, bottom, maximum, formats),
        midnights=midnights,
        days=days,
        closures=tuple(scale.shade(window) for window in closures),
        bands=tuple(scale.shade(window) for window in episodes),
        band_y=bottom + 3.0,
    )


# --- the warning timeline -----------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    node_id: str
    label: str
    tooltip: str
    level: int
    network: bool
    y: float
    bars: tuple[Shade, ...]


@dataclass(frozen=True)
class Timeline:
    width: float
    height: float
    label_width: float
    left: float
    right: float
    top: float
    bottom: float
    row_height: float
    rows: tuple[TimelineRow, ...]
    midnights: tuple[float, ...]
    days: tuple[Tick, ...]
    closures: tuple[Shade, ...]
    drain: Shade | None


@dataclass(frozen=True)
class TimelineInput:
    node_id: str
    label: str
    tooltip: str
    level: WarningLevel
    network: bool
    episodes: Sequence[Window]


def timeline(
    rows: Sequence[TimelineInput],
    *,
    hours: int,
    demand_days: int,
    closures: Sequence[Window],
    drain_label: str,
    formats: Formats,
) -> Timeline:
    """A Gantt chart of warnings: one row per node, bars coloured by level."""
    scale = TimeScale(hours, TIMELINE_LABEL_WIDTH, TIMELINE_WIDTH - TIMELINE_LABEL_WIDTH - 12.0)
    top = 8.0
    laid = []
    for index, row in enumerate(rows):
        # The network's row stands apart from the nodes' rows beneath it.
        y = top + TIMELINE_ROW * index + (6.0 if index and rows[0].network else 0.0)
        laid.append(
            TimelineRow(
                node_id=row.node_id,
                label=row.label,
                tooltip=row.tooltip,
                level=int(row.level),
                network=row.network,
                y=round(y, 1),
                bars=tuple(scale.shade(episode) for episode in row.episodes),
            )
        )
    bottom = (laid[-1].y if laid else top) + TIMELINE_ROW + 4.0
    midnights, days = scale.days(formats, min_spacing=52.0)
    drain = None
    if demand_days * 24 < hours:
        drain = scale.shade(Window("", demand_days * 24, hours, drain_label))
    return Timeline(
        width=TIMELINE_WIDTH,
        height=bottom + 22.0,
        label_width=TIMELINE_LABEL_WIDTH,
        left=scale.left,
        right=scale.right,
        top=top,
        bottom=bottom,
        row_height=TIMELINE_ROW,
        rows=tuple(laid),
        midnights=midnights,
        days=days,
        closures=tuple(scale.shade(window) for window in closures),
        drain=drain,
    )
