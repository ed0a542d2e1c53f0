"""The season capacity plan written out (the demo's ``capacity/``): the forecast files, the
province's forecast against the outcome, the gap report per node, the scenario with the
reserves (rerun it with ``peakguard simulate``) and the headline figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peakguard.domain.network import NodeKind
from peakguard.formats.forecast_output import scoped_forecast_document, write_csv, write_forecast
from peakguard.optimize.shortfall_reserves import with_reserves
from peakguard.reserve.season_plan import SeasonCapacity

GAP_COLUMNS = (
    "node",
    "kind",
    "carrier",
    "region",
    "extra_sorting_per_hour",
    "sorting_days",
    "crews",
    "vehicles",
    "extra_storage",
    "floor_area_m2",
    "first_day",
    "in_place_by",
    "decide_by",
    "overflow_without",
    "overflow_hours_without",
    "overflow_with",
)
PROVINCE_COLUMNS = (
    "day",
    "point",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "seasonal_naive",
    "outcome",
)


def season_summary(plan: SeasonCapacity) -> dict[str, Any]:
    """The figures a reader checks first (JSON-ready)."""
    sizing = plan.sizing
    errors = plan.peak_day_errors()
    summary: dict[str, Any] = {
        "bound": plan.bound,
        "rounds": sizing.rounds,
        "nodes_needing_reserves": len(plan.gaps),
        "hubs_needing_reserves": len(plan.hubs_needing_reserves()),
        "hubs_overflowing_without": len(sizing.overflowing(sizing.without, NodeKind.hub)),
        "hubs_overflowing_with": len(sizing.overflowing(sizing.with_reserves, NodeKind.hub)),
        "nodes_overflowing_without": len(sizing.overflowing(sizing.without)),
        "nodes_overflowing_with": len(sizing.overflowing(sizing.with_reserves)),
        "on_time_without": sizing.without.summary.on_time_rate,
        "on_time_with": sizing.with_reserves.summary.on_time_rate,
        "floor_area_m2": sum(gap.floor_area_m2 for gap in plan.gaps),
        "crews": sum(gap.crews for gap in plan.gaps),
        "vehicles": sum(gap.vehicles for gap in plan.gaps),
        "local_policy_note": (
            "Productivity, vehicle and floor-area figures are local policy, not official. "
            "人员效率、车辆和场地面积参数为本地政策，非官方标准。"
        ),
    }
    if errors is not None:
        summary["peak_day_error"], summary["peak_day_error_seasonal_naive"] = errors
    if plan.outcome is not None:
        summary["nodes_overflowing_in_outcome_with_reserves"] = len(
            sizing.overflowing(plan.outcome)
        )
        summary["hubs_overflowing_in_outcome_with_reserves"] = len(
            sizing.overflowing(plan.outcome, NodeKind.hub)
        )
        summary["on_time_in_outcome_with_reserves"] = plan.outcome.summary.on_time_rate
    return summary


def write_season_capacity(
    plan: SeasonCapacity, folder: Path, *, language: str | None = None
) -> list[Path]:
    """forecast/ (the forecast files), province.csv (forecast against outcome), gaps.csv,
    scenario-with-reserves.json (rerun it with ``peakguard simulate``) and season.json."""
    folder.mkdir(parents=True, exist_ok=True)
    written = write_forecast(
        plan.forecast.run,
        folder / "forecast",
        document=scoped_forecast_document(plan.forecast),
        language=language,
    )
    written.append(
        write_csv(
            folder / "province.csv",
            PROVINCE_COLUMNS,
            [
                [
                    day.day.isoformat(),
                    round(day.point),
                    round(day.lower_80),
                    round(day.upper_80),
                    round(day.lower_95),
                    round(day.upper_95),
                    round(day.baseline),
                    "" if day.outcome is None else round(day.outcome),
                ]
                for day in plan.province
            ],
        )
    )
    written.append(
        write_csv(
            folder / "gaps.csv",
            GAP_COLUMNS,
            [
                [
                    gap.node,
                    gap.kind,
                    gap.carrier,
                    gap.region,
                    gap.extra_sorting_per_hour,
                    gap.sorting_days,
                    gap.crews,
                    gap.vehicles,
                    gap.extra_storage,
                    round(gap.floor_area_m2, 1),
                    gap.first_day.isoformat(),
                    gap.in_place_by.isoformat(),
                    gap.decide_by.isoformat(),
                    round(gap.overflow_without),
                    gap.overflow_hours_without,
                    round(gap.overflow_with),
                ]
                for gap in plan.gaps
            ],
        )
    )
    scenario = with_reserves(plan.sizing.scenario, list(plan.sizing.reserves))
    path = folder / "scenario-with-reserves.json"
    path.write_text(scenario.model_dump_json(indent=1, exclude_defaults=True), encoding="utf-8")
    written.append(path)
    path = folder / "season.json"
    path.write_text(
        json.dumps(season_summary(plan), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    written.append(path)
    return written
