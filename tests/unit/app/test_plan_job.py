"""What a plan job and a forecast job do in their child process, without a database: the
stages the progress bar shows, in order and rising, and the files the CLI writes."""

from __future__ import annotations

from pathlib import Path

from peakguard.app import forecast_job, plan_job
from peakguard.app.forecast_job import ForecastWork
from peakguard.app.forecasts import read_forecast_inputs
from peakguard.app.plan_job import StaggerWork, UploadedFile, releases_upload
from peakguard.app.simulation import read_scenario_file
from peakguard.app.simulation_job import DONE
from peakguard.forecast.orchestrator import ForecastParameters
from peakguard.formats.loading import load_network
from peakguard.i18n import Message, render
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.optimize.releases import StaggerParameters
from peakguard.reserve.parameters import ReserveParameters
from peakguard.web.plan_report import write_plan_report
from tests.integration.test_forecast_jobs import small_history
from tests.integration.test_plan_jobs import EXAMPLES, RELEASES


class Recorder:
    """report(progress, stage) as the worker's pipe would receive it."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, str]] = []

    def __call__(self, progress: float, stage: Message) -> None:
        self.seen.append((progress, render(stage, "en")))

    def stages(self) -> list[str]:
        return list(dict.fromkeys(stage for _progress, stage in self.seen))


def test_a_stagger_job_reports_reading_solving_checking_and_writing(tmp_path: Path) -> None:
    """The stages come in order with a rising progress ending at 1, and the folder holds
    the CLI's files and the plan report."""
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    scenario = read_scenario_file(EXAMPLES / "double11-small.yaml", network)
    releases = releases_upload(UploadedFile("r.csv", RELEASES.encode()), network, scenario)
    work = StaggerWork(network, scenario, releases, 2, StaggerParameters(), ADMIN, "en")
    report = Recorder()
    result = plan_job.perform_stagger_job(
        work, tmp_path, write_page=write_plan_report, report=report
    )
    expected = [plan_job.READING, plan_job.SOLVING, plan_job.CHECKING, plan_job.WRITING, DONE]
    assert report.stages() == [render(stage, "en") for stage in expected]
    progress = [share for share, _stage in report.seen]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert {"quotas.csv", "quotas.xlsx", "hubs.csv", "plan.json", "plan.html"} <= set(
        result["files"]
    )
    assert all((tmp_path / name).is_file() for name in result["files"])


def test_a_forecast_job_with_a_network_reports_its_sizing(tmp_path: Path) -> None:
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    inputs = read_forecast_inputs(small_history(), network=network)
    work = ForecastWork(
        inputs, "history", 7, ForecastParameters(), ReserveParameters(), network, "upper_80",
        ADMIN, "en",
    )  # fmt: skip
    report = Recorder()
    result = forecast_job.perform_forecast_job(work, tmp_path, report=report)
    expected = [
        forecast_job.READING, forecast_job.FORECASTING, forecast_job.SIZING,
        forecast_job.WRITING, DONE,
    ]  # fmt: skip
    assert report.stages() == [render(stage, "en") for stage in expected]
    assert {"forecasts.csv", "gaps.csv"} <= set(result["files"])
    assert result["summary"]["horizon_days"] == 7 and "gaps" in result["capacity"]
