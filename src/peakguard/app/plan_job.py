"""Plans run as jobs: a staggered pickup plan (错峰发货) and a reroute around a closure
(调整路由), submitted from a page or the API and run by the server's worker.

Submitting checks everything the plan will need, as ``POST /networks/{name}/plans/…`` does
(the permission, the network within reach, the scenario, the releases against both, the
settings and the plan's size), and queues nothing on a mistake. The work is the CLI's:
:func:`~peakguard.app.plans.plan_stagger` and :func:`~peakguard.app.plans.plan_reroute`, their
files written by the same writers as ``peakguard plan stagger|reroute``. A job reports its
stages (reading, solving, checking by simulation, writing): the plan is solved without its
check, then checked by the same simulation ``check=True`` runs, so each stage shows on the
bar.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from peakguard.app.access import require
from peakguard.app.bounds import DEFAULT_BOUNDS, WorkBounds, check_reroute_size, check_stagger_size
from peakguard.app.jobs import (
    REROUTE,
    STAGGER,
    JobRecord,
    network_within_reach,
    queue_job,
)
from peakguard.app.networks import planning_network
from peakguard.app.plan_schedules import check_platforms
from peakguard.app.plans import (
    Releases,
    RerouteOutcome,
    StaggerOutcome,
    closure_requests,
    plan_reroute,
    plan_stagger,
    read_releases_file,
    reroute_plan_document,
    scenario_releases,
    stagger_document,
    write_reroute_files,
    write_stagger_files,
)
from peakguard.app.settings_files import choose_settings
from peakguard.app.simulation import parse_scenario_document
from peakguard.app.simulation_job import DONE, job_principal
from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.plan_output import hub_rows
from peakguard.formats.release_document import parse_releases
from peakguard.formats.structured import parse_json
from peakguard.i18n import Message, _, current_language
from peakguard.identity.model import Permission, Principal
from peakguard.optimize.comparison import compare_by_simulation
from peakguard.optimize.loads import check_releases, origin_mixes
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.reroute_parameters import ClosureRequest, RerouteParameters
from peakguard.optimize.reroute_simulate import simulate_reroute
from peakguard.optimize.stagger_platforms import platform_schedule
from peakguard.parameters import settings_document
from peakguard.simulate.scenario import Scenario
from peakguard.store.database import Store

__all__ = [
    "PLAN_REPORT",
    "UploadedFile",
    "perform_reroute_job",
    "perform_stagger_job",
    "prepare_reroute_job",
    "prepare_stagger_job",
    "releases_upload",
    "settings_upload",
    "stagger_job_result",
    "submit_reroute_job",
    "submit_stagger_job",
]

Report = Callable[[float, Message], None]
"""``report(progress, stage)``: how far the job got (0 to 1) and what it is doing."""
PlanPageWriter = Callable[..., Path]
"""``write_page(plan, comparison, path, language=...)``: the plan report
(``web.plan_report.write_plan_report``)."""

READING = _("Reading the network, the scenario and the releases")
SOLVING = _("Solving the plan")
CHECKING = _("Checking the plan by simulation")
WRITING = _("Writing the plan's files and report")
PLAN_REPORT = "plan.html"
RELEASE_KEYS = ("origin", "carrier", "release_day", "latest_day", "parcels")


@dataclass(frozen=True)
class UploadedFile:
    """A file a page sent: its name as the user's machine gave it, and its bytes."""

    name: str
    data: bytes

    @property
    def base_name(self) -> str:
        """The name without any folder, at most 120 characters (where mistakes are located)."""
        return self.name.replace("\\", "/").rsplit("/", 1)[-1][:120] or "upload"


def _too_large(upload: UploadedFile, limits: InputLimits) -> None:
    if len(upload.data) > limits.max_file_bytes:
        message = _("The file is larger than the {megabytes} MB a file may be.",
                    megabytes=limits.max_file_bytes // (1024 * 1024))  # fmt: skip
        raise InvalidInputError(message, [Problem(upload.base_name, message)])


def releases_upload(
    upload: UploadedFile,
    network: Network,
    scenario: Scenario,
    *,
    limits: InputLimits = DEFAULT_LIMITS,
) -> Releases:
    """An uploaded releases file (.csv, .xlsx or .json rows), read by the guarded readers
    of ``peakguard plan stagger --releases`` and checked against the network and the scenario;
    every mistake located by file, row and column."""
    _too_large(upload, limits)
    name = upload.base_name
    lowered = name.lower()
    if lowered.endswith(".json"):
        records = parse_json(upload.data, name, limits=limits)
        releases = parse_releases(records, source=name, limits=limits)
        places = [f"{name}[{index}]" for index in range(len(releases))]
        if releases:
            check_releases(network, scenario, releases, origin_mixes(network, scenario), places)
        return Releases(releases, places)
    if not lowered.endswith((".csv", ".xlsx")):
        message = _("use a .csv, .xlsx or .json file of order releases")
        raise InvalidInputError(_("The order releases have mistakes."), [Problem(name, message)])
    with tempfile.TemporaryDirectory(prefix="peakguard-releases-") as folder:
        path = Path(folder) / name
        path.write_bytes(upload.data)
        return read_releases_file(path, network, scenario, limits=limits)


def settings_upload(
    upload: UploadedFile, *, limits: InputLimits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """An uploaded settings file (TOML) as its sections; a syntax error located by line."""
    _too_large(upload, limits)
    try:
        text = upload.data.decode("utf-8")
    except UnicodeDecodeError:
        message = _("the file is not UTF-8 text")
        raise InvalidInputError(
            _("cannot read {path}", path=upload.base_name), [Problem(upload.base_name, message)]
        ) from None
    document, _name = settings_document(text, source=upload.base_name)
    return document


def _release_records(releases: Releases) -> list[dict[str, Any]]:
    return [
        {
            "origin": item.origin,
            "carrier": item.carrier,
            "release_day": item.release_day.isoformat(),
            "latest_day": item.latest_day.isoformat(),
            "parcels": item.parcels,
            "platform": item.platform,
        }
        for item in releases.releases
    ]


def _releases_of(records: list[dict[str, Any]], places: list[str] | None) -> Releases:
    releases = [
        OrderRelease(
            origin=str(record["origin"]),
            carrier=str(record["carrier"]),
            release_day=date.fromisoformat(str(record["release_day"])),
            latest_day=date.fromisoformat(str(record["latest_day"])),
            parcels=record["parcels"],
            platform=str(record.get("platform") or ""),
        )
        for record in records
    ]
    return Releases(releases, places)


def submit_stagger_job(
    store: Store,
    actor: Principal,
    network_name: str,
    scenario_document: object,
    *,
    releases: UploadedFile | list[Any] | None = None,
    window_days: int = 2,
    settings_document: Mapping[str, Any] | None = None,
    sorting_margin: float | None = None,
    storage_margin: float | None = None,
    bounds: WorkBounds = DEFAULT_BOUNDS,
    limits: InputLimits = DEFAULT_LIMITS,
    language: str | None = None,
) -> JobRecord:
    """Queue a staggered pickup plan on the stored network ``network_name``, checked by
    simulation. ``releases``: an uploaded file, JSON rows (the API's body) or none (the
    scenario's own demand, each release free to wait ``window_days``). Checked first, nothing
    queued on a mistake: the permission, the network within reach (``network``), the scenario
    (``scenario: …``), the releases against both, the [stagger] settings and the plan's size.
    ``language`` is the report's (default: the caller's)."""
    require(actor, Permission.plan_run)
    network = network_within_reach(store, actor, network_name, Permission.plan_run)
    scenario = parse_scenario_document(scenario_document, network)
    if isinstance(releases, UploadedFile):
        read: Releases | None = releases_upload(releases, network, scenario, limits=limits)
    elif releases is not None:
        parsed = parse_releases(releases, limits=limits)
        places = [f"releases[{index}]" for index in range(len(parsed))]
        if parsed:
            check_releases(network, scenario, parsed, origin_mixes(network, scenario), places)
        read = Releases(parsed, places)
    else:
        read = None
    if read is not None and not read.releases:
        raise InvalidInputError(
            _("The order releases have mistakes."),
            [Problem("releases", _("the file has no releases"))],
        )
    if read is not None:
        check_platforms(store, read.releases, read.places)
    choose_settings(settings_document, [StaggerParameters]).get(
        StaggerParameters, sorting_margin=sorting_margin, storage_margin=storage_margin
    )
    windows = [] if read is None else [(r.release_day, r.latest_day) for r in read.releases]
    check_stagger_size(network, scenario, windows, check=True, bounds=bounds)
    parameters = {
        "network": network_name,
        "scenario": scenario_document,
        "releases": None if read is None else _release_records(read),
        "places": None if read is None else read.places,
        "window_days": window_days,
        "settings": dict(settings_document) if settings_document is not None else None,
        "sorting_margin": sorting_margin,
        "storage_margin": storage_margin,
        "language": language or current_language(),
    }
    detail = {
        "network": network_name,
        "scenario": scenario.name,
        "releases": None if read is None else len(read.releases),
    }
    return queue_job(store, actor, STAGGER, parameters, detail)


@dataclass(frozen=True)
class StaggerWork:
    """Everything the plan needs, picklable for its child process."""

    network: Network
    scenario: Scenario
    releases: Releases | None
    window_days: int
    parameters: StaggerParameters
    actor: Principal
    language: str
    bounds: WorkBounds = DEFAULT_BOUNDS


def _planning_inputs(store: Store, job: JobRecord) -> tuple[Network, Scenario, Principal]:
    actor = job_principal(store, job)
    network = planning_network(
        store, str(job.parameters["network"]), actor=actor, permission=Permission.plan_run
    )
    return network, parse_scenario_document(job.parameters["scenario"], network), actor


def prepare_stagger_job(
    store: Store, job: JobRecord, *, bounds: WorkBounds = DEFAULT_BOUNDS
) -> StaggerWork:
    """The network, scenario, releases and parameters of ``job``, read again as its owner
    would (a network replaced since the submission is planned on as it is now)."""
    given: dict[str, Any] = job.parameters
    network, scenario, actor = _planning_inputs(store, job)
    records = given.get("releases")
    releases = None if records is None else _releases_of(records, given.get("places"))
    parameters = choose_settings(given.get("settings"), [StaggerParameters]).get(
        StaggerParameters,
        sorting_margin=given.get("sorting_margin"),
        storage_margin=given.get("storage_margin"),
    )
    return StaggerWork(
        network, scenario, releases, int(given.get("window_days", 2)), parameters, actor,
        str(given["language"]), bounds,
    )  # fmt: skip


def perform_stagger_job(
    work: StaggerWork, folder: Path, *, write_page: PlanPageWriter, report: Report
) -> dict[str, Any]:
    """Plan, check by simulation, then write the CLI's files and the plan report into
    ``folder``: the plan's summary (``plan.json``), its hubs' loads before and after
    (``hubs.csv``'s rows) and the files' names; the quotas are in ``quotas.csv``."""
    report(0.05, READING)
    releases = work.releases or scenario_releases(
        work.network, work.scenario, window_days=work.window_days, bounds=work.bounds
    )
    report(0.1, SOLVING)
    solved = plan_stagger(
        work.network, work.scenario, releases, actor=work.actor, parameters=work.parameters,
        check=False, bounds=work.bounds,
    )  # fmt: skip
    report(0.5, CHECKING)
    problem = compile_problem(work.network, work.scenario)
    comparison = compare_by_simulation(problem, solved.plan)
    outcome = StaggerOutcome(
        solved.plan, comparison, platform_schedule(problem, solved.plan, comparison)
    )
    report(0.9, WRITING)
    folder.mkdir(parents=True, exist_ok=True)
    written = write_stagger_files(outcome, folder, language=work.language)
    page = write_page(
        outcome.plan, outcome.comparison, folder / PLAN_REPORT, language=work.language
    )
    report(1.0, DONE)
    return stagger_job_result(outcome, [*written, page])


def stagger_job_result(outcome: StaggerOutcome, files: list[Path]) -> dict[str, Any]:
    """What a finished staggering job records (its page and the schedules read it): the
    plan's summary, its hubs before and after, how many quotas and shortfalls, the platforms
    with a schedule and their customers' figures, and the names of ``files``."""
    document = stagger_document(outcome)
    return {
        "summary": document["summary"],
        "hubs": hub_rows(outcome.plan, outcome.comparison),
        "quotas": len(document["quotas"]),
        "shortfalls": len(document["shortfalls"]),
        "platforms": outcome.platforms.platforms if outcome.platforms else [],
        "platform_customers": _platform_customers(document["platforms"]),
        "files": sorted(path.name for path in files),
    }


def _platform_customers(platforms: dict[str, Any] | None) -> dict[str, Any]:
    """Each platform's customers' figures before and after (for the schedule's readers);
    the rows of the schedule stay in platform_quotas.csv."""
    if not platforms:
        return {"before": [], "after": []}
    return {"before": platforms["customers_before"], "after": platforms["customers_after"]}


def submit_reroute_job(
    store: Store,
    actor: Principal,
    network_name: str,
    scenario_document: object,
    *,
    nodes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    settings_document: Mapping[str, Any] | None = None,
    bounds: WorkBounds = DEFAULT_BOUNDS,
    language: str | None = None,
) -> JobRecord:
    """Queue a reroute around ``nodes`` closed over [start, end), or around each of the
    scenario's closures, checked by simulation. Checked first, nothing queued on a mistake:
    the permission, the network within reach, the scenario, the closure, the [reroute]
    settings and the plan's size."""
    require(actor, Permission.plan_run)
    network = network_within_reach(store, actor, network_name, Permission.plan_run)
    scenario = parse_scenario_document(scenario_document, network)
    closures = closure_requests(scenario, nodes, start, end)
    choose_settings(settings_document, [RerouteParameters]).get(RerouteParameters)
    check_reroute_size(
        network, scenario, len(closures), check=True, bounds=bounds,
        closures_at="nodes" if nodes else "scenario.closures",
    )  # fmt: skip
    parameters = {
        "network": network_name,
        "scenario": scenario_document,
        "nodes": list(nodes) if nodes else None,
        "start": None if start is None else start.isoformat(),
        "end": None if end is None else end.isoformat(),
        "settings": dict(settings_document) if settings_document is not None else None,
        "language": language or current_language(),
    }
    detail = {"network": network_name, "scenario": scenario.name, "closures": len(closures)}
    return queue_job(store, actor, REROUTE, parameters, detail)


@dataclass(frozen=True)
class RerouteWork:
    network: Network
    scenario: Scenario
    closures: list[ClosureRequest]
    parameters: RerouteParameters
    actor: Principal
    language: str
    bounds: WorkBounds = DEFAULT_BOUNDS


def prepare_reroute_job(
    store: Store, job: JobRecord, *, bounds: WorkBounds = DEFAULT_BOUNDS
) -> RerouteWork:
    """The network, scenario and closures of ``job``, read again as its owner would."""
    given: dict[str, Any] = job.parameters
    network, scenario, actor = _planning_inputs(store, job)
    start, end = (
        None if given.get(key) is None else datetime.fromisoformat(str(given[key]))
        for key in ("start", "end")
    )
    closures = closure_requests(scenario, given.get("nodes"), start, end)
    parameters = choose_settings(given.get("settings"), [RerouteParameters]).get(RerouteParameters)
    return RerouteWork(
        network, scenario, closures, parameters, actor, str(given["language"]), bounds
    )


def perform_reroute_job(work: RerouteWork, folder: Path, *, report: Report) -> dict[str, Any]:
    """Reroute around each closure, check each by simulation, and write the CLI's files into
    ``folder`` (a folder per closure when there are several): each closure's document, as
    ``POST /networks/{name}/plans/reroute`` answers it, and the files' names."""
    report(0.05, READING)
    report(0.1, SOLVING)
    solved = plan_reroute(
        work.network, work.scenario, work.closures, actor=work.actor,
        parameters=work.parameters, check=False, bounds=work.bounds,
    )  # fmt: skip
    report(0.4, CHECKING)
    problem = compile_problem(work.network, work.scenario)
    comparisons: list[Any] = []
    for index, plan in enumerate(solved.plans):
        comparisons.append(simulate_reroute(problem, plan))
        report(0.4 + 0.5 * (index + 1) / len(solved.plans), CHECKING)
    outcome = RerouteOutcome(solved.plans, comparisons)
    report(0.9, WRITING)
    folder.mkdir(parents=True, exist_ok=True)
    written = write_reroute_files(outcome, folder)
    report(1.0, DONE)
    return {
        "closures": [
            reroute_plan_document(plan, comparison)
            for plan, comparison in zip(outcome.plans, outcome.comparisons, strict=True)
        ],
        "files": sorted(str(path.relative_to(folder)) for path in written),
    }
