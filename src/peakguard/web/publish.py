"""Results written out as their users read them: the data files and the HTML page together.

The application layer computes (:mod:`peakguard.app`); this step writes. The CLI's ``report``
and ``demo`` commands call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peakguard.app.bulletins import write_bulletin_data_files
from peakguard.app.demo import DemoResult
from peakguard.bulletin.model import Bulletin
from peakguard.demo.sichuan import CITY_NAMES_EN
from peakguard.formats.plan_output import write_plan
from peakguard.formats.reroute_output import write_reroute
from peakguard.formats.season_capacity_output import write_season_capacity
from peakguard.formats.simulation_output import write_simulation
from peakguard.web.bulletin_report import write_bulletin_report
from peakguard.web.capacity_report import write_capacity_report
from peakguard.web.plan_report import write_plan_report
from peakguard.web.report import write_network_report
from peakguard.web.simulation_report import write_simulation_report


def write_bulletin(bulletin: Bulletin, folder: Path, *, language: str) -> list[Path]:
    """``bulletin.html``, ``bulletin.xlsx`` and ``bulletin.json`` in ``folder``, in that order."""
    page = write_bulletin_report(bulletin, folder / "bulletin.html", language=language)
    return [page, *write_bulletin_data_files(bulletin, folder, language=language)]


@dataclass(frozen=True)
class DemoFiles:
    report: Path
    season_report: Path
    season_outputs: list[Path]
    bulletin: list[Path]
    plan_report: Path
    plan_outputs: list[Path]
    capacity_report: Path
    capacity_outputs: list[Path]


def write_demo(result: DemoResult, out_dir: Path, *, language: str) -> DemoFiles:
    """report.html, season.html and season/, bulletin/, plan.html and plan/ (with reroute/),
    capacity.html and capacity/ in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {**CITY_NAMES_EN, "510000": "Sichuan"}
    network, season = result.network, result.season
    report = write_network_report(
        network, out_dir / "report.html", language=language, place_names=names
    )
    season_report = write_simulation_report(
        season, out_dir / "season.html", language=language, place_names=names
    )
    season_outputs = write_simulation(season, out_dir / "season")
    bulletin = write_bulletin(result.bulletin.bulletin, out_dir / "bulletin", language=language)
    assurance = result.assurance
    plan_outputs = write_plan(
        assurance.plan,
        assurance.comparison,
        out_dir / "plan",
        language=language,
        platforms=result.platforms,
    )
    if assurance.reroute is not None:
        plan_outputs += write_reroute(assurance.reroute, None, out_dir / "plan" / "reroute")
    plan_report = write_plan_report(
        assurance.plan,
        assurance.comparison,
        out_dir / "plan.html",
        language=language,
        reserves=assurance.reserves,
        place_names=names,
        reroute=assurance.reroute,
    )
    capacity_outputs = write_season_capacity(
        result.capacity, out_dir / "capacity", language=language
    )
    capacity_report = write_capacity_report(
        result.capacity, out_dir / "capacity.html", language=language
    )
    return DemoFiles(
        report,
        season_report,
        season_outputs,
        bulletin,
        plan_report,
        plan_outputs,
        capacity_report,
        capacity_outputs,
    )
