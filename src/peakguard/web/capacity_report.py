"""The capacity report: the season's forecast against its outcome, and the reserves per hub.

One self-contained HTML page (inline CSS and SVG, like the other reports) for the planner who
must decide in October what to add for November: the province's forecast with its 80 % and
95 % intervals, the seasonal-naive baseline and the outcome; what the simulated season does with
nothing added (overflow) and with the reserves; and per hub what to add, from when, decided by
when.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

import peakguard
from peakguard.domain.network import NodeKind
from peakguard.i18n import _
from peakguard.reserve.season_plan import ProvinceDay, SeasonCapacity
from peakguard.web.language_formats import LanguageFormats
from peakguard.web.page_kit import Card, html_lang, page_language, template_environment

MAX_HUB_ROWS = 40
"""Hubs listed in the gap table, the earliest decision and the largest overflow first."""
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 900, 300, 70, 20, 16, 40


@dataclass(frozen=True)
class ForecastChart:
    """SVG geometry of the province's forecast against the outcome."""

    band_95: str
    band_80: str
    point: str
    baseline: str
    outcome: tuple[tuple[float, float], ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str], ...]
    width: int = WIDTH
    height: int = HEIGHT


def forecast_chart(days: tuple[ProvinceDay, ...], formats: LanguageFormats) -> ForecastChart:
    top = max(max(day.upper_95, day.outcome or 0.0, day.baseline) for day in days) * 1.05
    inner_width = WIDTH - LEFT - RIGHT
    inner_height = HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + inner_width * index / max(len(days) - 1, 1)

    def y(value: float) -> float:
        return TOP + inner_height * (1 - value / top)

    def line(values: list[float]) -> str:
        return " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))

    def band(low: list[float], high: list[float]) -> str:
        upper = [f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(high)]
        lower = [f"{x(i):.1f},{y(v):.1f}" for i, v in reversed(list(enumerate(low)))]
        return " ".join(upper + lower)

    step = top / 4
    return ForecastChart(
        band_95=band([d.lower_95 for d in days], [d.upper_95 for d in days]),
        band_80=band([d.lower_80 for d in days], [d.upper_80 for d in days]),
        point=line([d.point for d in days]),
        baseline=line([d.baseline for d in days]),
        outcome=tuple((x(i), y(d.outcome)) for i, d in enumerate(days) if d.outcome is not None),
        y_ticks=tuple((y(step * k), formats.decimal(step * k / 1e6, 1) + "M") for k in range(5)),
        x_ticks=tuple((x(i), formats.short_date(d.day)) for i, d in enumerate(days) if i % 2 == 0),
    )


@dataclass(frozen=True)
class HubGapRow:
    node: str
    name: str
    sorting: str
    crews: str
    vehicles: str
    floor_area: str
    first_day: str
    decide_by: str
    overflow_without: str
    overflow_with: str


def render_capacity_report(plan: SeasonCapacity, *, language: str = "zh_CN") -> str:
    language = page_language(language)
    formats = LanguageFormats(language)
    window = plan.season_days()
    hubs = plan.hubs_needing_reserves()
    environment = template_environment(language)
    template = environment.get_template("capacity_report.html")
    return template.render(
        html_lang=html_lang(language),
        title=formats.text(_("Season capacity plan")),
        version=peakguard.__version__,
        bound=plan.bound,
        cards=_cards(plan, formats),
        chart=forecast_chart(window, formats) if window else None,
        rows=_gap_rows(plan, formats),
        more_hubs=max(len(hubs) - MAX_HUB_ROWS, 0),
        rounds=plan.sizing.rounds,
        first_day=formats.short_date(window[0].day) if window else "",
        last_day=formats.short_date(window[-1].day) if window else "",
    )


def _cards(plan: SeasonCapacity, formats: LanguageFormats) -> list[Card]:
    """The forecast's error, the hubs needing reserves, the season without and with them."""
    sizing = plan.sizing
    errors = plan.peak_day_errors()
    hubs = plan.hubs_needing_reserves()
    hubs_without = len(sizing.overflowing(sizing.without, NodeKind.hub))
    hubs_with = len(sizing.overflowing(sizing.with_reserves, NodeKind.hub))
    cards = [
        Card(
            formats.text(_("Forecast peak-day error")),
            formats.percent(errors[0], decimals=1) if errors else "–",
            formats.text(
                _(
                    "seasonal-naive baseline: {error}",
                    error=formats.percent(errors[1], decimals=1) if errors else "–",
                )
            ),
        ),
        Card(
            formats.text(_("Hubs needing reserves")),
            formats.number(len(hubs)),
            formats.text(_("{count} nodes in all", count=formats.number(len(plan.gaps)))),
        ),
        Card(
            formats.text(_("Hubs overflowing")),
            f"{formats.number(hubs_without)} → {formats.number(hubs_with)}",
            formats.text(_("simulated season, without → with the reserves")),
        ),
        Card(
            formats.text(_("Floor area to add at hubs")),
            formats.number(sum(gap.floor_area_m2 for gap in hubs)) + " m²",
            formats.text(
                _(
                    "{crews} people, {vehicles} vehicles; outlets and stations: {area} m²",
                    crews=formats.number(sum(gap.crews for gap in hubs)),
                    vehicles=formats.number(sum(gap.vehicles for gap in hubs)),
                    area=formats.number(
                        sum(gap.floor_area_m2 for gap in plan.gaps)
                        - sum(g.floor_area_m2 for g in hubs)
                    ),
                )
            ),
        ),
        Card(
            formats.text(_("On-time rate")),
            f"{formats.percent(sizing.without.summary.on_time_rate, decimals=1)} → "
            f"{formats.percent(sizing.with_reserves.summary.on_time_rate, decimals=1)}",
            formats.text(_("simulated season, without → with the reserves")),
        ),
    ]
    if plan.outcome is not None:
        cards.append(
            Card(
                formats.text(_("Nodes overflowing in the season that happened")),
                formats.number(len(sizing.overflowing(plan.outcome))),
                formats.text(_("the outcome simulated with the reserves sized on the forecast")),
            )
        )
    return cards


def _gap_rows(plan: SeasonCapacity, formats: LanguageFormats) -> list[HubGapRow]:
    """What each of the first :data:`MAX_HUB_ROWS` hubs needing reserves must add, by when."""
    names = {node.id: node.name for node in plan.sizing.without.network.nodes}
    hubs = plan.hubs_needing_reserves()
    return [
        HubGapRow(
            node=gap.node,
            name=names.get(gap.node, gap.node),
            sorting=formats.number(gap.extra_sorting_per_hour)
            if gap.extra_sorting_per_hour
            else "–",
            crews=formats.number(gap.crews) if gap.crews else "–",
            vehicles=formats.number(gap.vehicles) if gap.vehicles else "–",
            floor_area=formats.number(gap.floor_area_m2) if gap.floor_area_m2 else "–",
            first_day=formats.short_date(gap.first_day),
            decide_by=formats.short_date(gap.decide_by),
            overflow_without=formats.number(gap.overflow_without),
            overflow_with=formats.number(gap.overflow_with),
        )
        for gap in hubs[:MAX_HUB_ROWS]
    ]


def write_capacity_report(
    plan: SeasonCapacity, path: pathlib.Path, *, language: str = "zh_CN"
) -> pathlib.Path:
    """Write :func:`render_capacity_report` to ``path`` (UTF-8) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_capacity_report(plan, language=language), encoding="utf-8")
    return path
