"""What a simulation job does, given its record: the pure parts a worker runs.

:func:`prepare_simulation_job` reads what the run needs from the database (in the worker's
process: the network as its owner's organisation may plan on it, the scenario, the warning
thresholds); :func:`perform_simulation_job` runs it and writes its files (in the run's child
process, which has no database), telling ``report`` how far it got. The page that shows the
season is written by a function the edge gives (``write_page``): the application layer
computes and writes data, the web layer renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peakguard.app.bounds import DEFAULT_BOUNDS, WorkBounds
from peakguard.app.jobs import KIND_PERMISSIONS, JobRecord
from peakguard.app.networks import planning_network
from peakguard.app.settings_files import choose_settings
from peakguard.app.simulation import (
    parse_scenario_document,
    simulate_scenario,
    simulation_document,
    write_simulation_files,
)
from peakguard.domain.network import Network
from peakguard.i18n import Message, _
from peakguard.identity.model import SYSTEM, Channel, Organisation, Permission, Principal
from peakguard.simulate.scenario import Scenario
from peakguard.simulate.warning_rules import WarningThresholds
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.accounts import organisation_of
from peakguard.store.database import Store, transaction

Report = Callable[[float, Message], None]
"""``report(progress, stage)``: how far the job got (0 to 1) and what it is doing."""
PageWriter = Callable[..., Path]
"""``write_page(result, path, language=...)``: the season's page (``web.simulation_report``)."""

LOADING = _("Loading the network")
WRITING = _("Writing the report")
DONE = _("Done")
SIMULATED_SHARE = (0.05, 0.85)
"""Where the simulated hours fall on the job's progress: loading before, writing after."""
REPORT_FILE = "season.html"


def simulating(day: int, days: int) -> Message:
    return _("Simulating day {day} of {days}", day=day, days=days)


@dataclass(frozen=True)
class SimulationWork:
    """Everything the run needs, picklable for its child process."""

    network: Network
    scenario: Scenario
    warnings: WarningThresholds | None
    actor: Principal
    language: str
    bounds: WorkBounds = DEFAULT_BOUNDS


def job_principal(store: Store, job: JobRecord, *, also: Permission | None = None) -> Principal:
    """The job's owner as the run acts: its organisation (so its reach), with the rights the
    submission was checked for (reading networks, running the job's kind, and ``also``)."""
    organisation: Organisation = SYSTEM
    if job.organisation_id is not None:
        with transaction(store.sessions) as session:
            row = session.get(OrganisationRow, job.organisation_id)
            if row is not None:
                organisation = organisation_of(row)
    name = job.owner_label.rpartition("@")[0] or job.owner_label
    return Principal(
        name=name,
        organisation=organisation,
        permissions=frozenset(
            {Permission.network_read, KIND_PERMISSIONS[job.kind]} | ({also} if also else set())
        ),
        channel=Channel.local,
        user_id=job.owner_user_id,
    )


def prepare_simulation_job(
    store: Store, job: JobRecord, *, bounds: WorkBounds = DEFAULT_BOUNDS
) -> SimulationWork:
    """The network, scenario and thresholds of ``job``, read again as its owner would (a
    network replaced since the submission is simulated as it is now)."""
    parameters: dict[str, Any] = job.parameters
    actor = job_principal(store, job)
    network = planning_network(
        store, str(parameters["network"]), actor=actor, permission=Permission.simulation_run
    )
    scenario = parse_scenario_document(parameters["scenario"], network)
    warnings = choose_settings(parameters.get("settings"), [WarningThresholds]).given_section(
        WarningThresholds
    )
    language = str(parameters["language"])
    return SimulationWork(network, scenario, warnings, actor, language, bounds)


def perform_simulation_job(
    work: SimulationWork, folder: Path, *, write_page: PageWriter, report: Report
) -> dict[str, Any]:
    """Simulate, then write the run's files and its page into ``folder``: the summary
    (``summary.json``'s content without the warnings' list, which is in ``warnings.json``)."""
    days = work.scenario.hours // 24
    start, end = SIMULATED_SHARE

    def simulated(share: float) -> None:
        report(start + (end - start) * share, simulating(max(1, round(share * days)), days))

    report(start, simulating(0, days))
    outcome = simulate_scenario(
        work.network,
        work.scenario,
        actor=work.actor,
        warnings=work.warnings,
        bounds=work.bounds,
        progress=simulated,
    )
    report(end, WRITING)
    folder.mkdir(parents=True, exist_ok=True)
    written = write_simulation_files(outcome, folder)
    page = write_page(outcome.result, folder / REPORT_FILE, language=work.language)
    document = simulation_document(outcome)
    warnings = document.pop("warnings")
    return document | {
        "warning_count": len(warnings),
        "files": sorted(path.name for path in [*written, page]),
    }
