"""``peakguard forecast`` and ``peakguard capacity`` (docs/reference/forecast-files.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.bounds import work_bounds
from peakguard.app.capacity import CapacityOutcome, capacity_for, write_capacity_files
from peakguard.app.forecasts import (
    ForecastOutcome,
    forecast_volumes,
    read_forecast_inputs,
    write_forecast_files,
)
from peakguard.app.settings_files import choose_settings
from peakguard.cli.console import (
    LOCAL,
    SettingsOption,
    handled,
    network_named,
    plain,
    print_figures,
    print_table,
    print_written,
    progress,
    say,
    settings,
)
from peakguard.cli.simulation import NetworkOption
from peakguard.forecast.history import LEVELS
from peakguard.forecast.orchestrator import ForecastParameters
from peakguard.i18n import _, render
from peakguard.reserve.parameters import ReserveParameters

HorizonOption = Annotated[
    int,
    typer.Option("--horizon-days", help="days to forecast after the history", min=1, max=400),
]


def forecast_command(
    history: Annotated[
        Path,
        typer.Option(
            "--history", help="daily history (.csv/.xlsx): day, carrier, region, node, volume"
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="folder for the forecast files")],
    horizon_days: HorizonOption = 35,
    announced: Annotated[
        Path | None,
        typer.Option(
            help="platform-announced plans (.csv/.xlsx): day, multiple[, carrier, region]"
        ),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            help="fallback chain, first model first (repeat); default: "
            "calendar_ar1, calendar_regression, seasonal_naive",
        ),
    ] = None,
    reconciliation: Annotated[
        str | None,
        typer.Option(help="bottom_up, ols or wls_structural (default wls_structural)"),
    ] = None,
    event: Annotated[
        list[str] | None,
        typer.Option("--event", help="calendar events to use (repeat); default: all"),
    ] = None,
    settings_file: SettingsOption = None,
) -> None:
    """Daily forecasts with 80 % and 95 % intervals for every node, city, province and the
    nation, reconciled so the levels add up (科学预测)."""
    with handled(), progress() as shown:
        task = shown.add_task(plain(_("Forecasting")), total=None)
        parameters = choose_settings(settings_file, [ForecastParameters]).get(
            ForecastParameters,
            models=tuple(model) if model else None,
            reconciliation=reconciliation,
        )
        inputs = read_forecast_inputs(history, announced, limits=settings().input_limits())
        outcome = forecast_volumes(
            inputs,
            actor=LOCAL,
            horizon_days=horizon_days,
            events=event,
            parameters=parameters,
            bounds=work_bounds(settings()),
        )
        written = write_forecast_files(outcome, out, language=settings().language)
        shown.update(task, completed=1, total=1)
    print_forecast(outcome)
    print_written(written)


def print_forecast(outcome: ForecastOutcome) -> None:
    result = outcome.run.result
    top = next(series for level in reversed(LEVELS) for series in result.at_level(level))
    peak = int(top.point.argmax())
    models = ", ".join(f"{name} ×{count}" for name, count in outcome.document["models"].items())
    rows = [
        (_("History ends"), outcome.origin.isoformat()),
        (_("Forecast days"), f"{top.days[0].isoformat()} – {top.days[-1].isoformat()}"),
        (_("Series (all levels)"), f"{len(result.series):,}"),
        (_("Models used"), models),
        (_("Models that failed and were replaced"), f"{len(outcome.run.fallbacks):,}"),
        (_("Reconciliation"), result.reconciliation),
        (
            _("Peak day of {series}", series=top.key.label()),
            f"{top.days[peak].isoformat()}: {int(top.point[peak]):,} "
            f"(80 %: {int(top.lower_80[peak]):,}–{int(top.upper_80[peak]):,})",
        ),
    ]
    print_figures(_("Forecast"), rows)
    if outcome.document.get("reconciliation_note"):
        say(
            _(
                "Some announced plans cover only a carrier or a region: the totals above "
                "nodes are the sums of the nodes (bottom_up)."
            )
        )


def capacity_command(
    network: NetworkOption,
    out: Annotated[Path, typer.Option("--out", help="folder for the requirements and gaps")],
    history: Annotated[
        Path | None,
        typer.Option(help="daily history per node (.csv/.xlsx), forecast first"),
    ] = None,
    forecast: Annotated[
        Path | None,
        typer.Option(help="forecasts.csv/.xlsx written by peakguard forecast"),
    ] = None,
    bound: Annotated[str, typer.Option(help="size for point, upper_80 or upper_95")] = "upper_80",
    horizon_days: Annotated[
        int, typer.Option("--horizon-days", help="with --history: days to forecast", min=1, max=400)
    ] = 35,
    announced: Annotated[
        Path | None,
        typer.Option(help="with --history: platform-announced plans (.csv/.xlsx)"),
    ] = None,
    settings_file: SettingsOption = None,
) -> None:
    """Staff, vehicles, sorting hours and floor area per node and day for the forecast, and
    what to add where and by when (能力储备)."""
    with handled(), progress() as shown:
        task = shown.add_task(plain(_("Sizing the reserves")), total=None)
        chosen = choose_settings(settings_file, [ForecastParameters, ReserveParameters])
        outcome = capacity_for(
            network_named(network),
            actor=LOCAL,
            bounds=work_bounds(settings()),
            forecast_parameters=chosen.get(ForecastParameters),
            parameters=chosen.get(ReserveParameters),
            bound=bound,
            history=history,
            announced=announced,
            forecast_file=forecast,
            horizon_days=horizon_days,
            option_prefix="--",
            sources="--history, --forecast",
        )
        written = write_capacity_files(outcome, out, language=settings().language)
        shown.update(task, completed=1, total=1)
    print_gaps(outcome)
    print_written(written)


RESOURCE_NAMES = {
    "staff": _("staff"),
    "vehicles": _("vehicles"),
    "floor_area_m2": _("floor area (m²)"),
    "sorting_capacity": _("sorting capacity (parcels/day)"),
}


def print_gaps(outcome: CapacityOutcome) -> None:
    if not outcome.gaps:
        say(_("No node falls short: the reserves on hand suffice."))
        return
    print_table(
        _("Capacity gaps ({bound})", bound=outcome.bound),
        (
            _("Node"),
            _("Resource"),
            _("On hand"),
            _("Needed"),
            _("Add"),
            _("First short day"),
            _("Decide by"),
        ),
        (
            (
                gap.node,
                render(RESOURCE_NAMES[gap.resource]),
                f"{gap.on_hand:,.0f}",
                f"{gap.required:,.0f}",
                f"{gap.add:,.0f}",
                gap.first_short_day.isoformat(),
                gap.decide_by.isoformat(),
            )
            for gap in outcome.gaps
        ),
    )
