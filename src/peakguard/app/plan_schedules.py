"""The platforms' schedules of the staggering plans, each reader seeing only its own part.

A staggering plan run as a job (:mod:`.plan_job`) writes every platform's schedule beside its
quotas (``platform_quotas.csv``) and each platform's customers' figures into its result. Who
sees which rows:

- a **platform** (an organisation of kind platform, with ``plan.read``) sees, in every
  finished plan whoever made it, the rows of its own releases only, and its own customers'
  figures: the schedule it must follow, never another platform's;
- a **regulator** or a **carrier** holding ``plan.read`` sees the plans of its own organisation
  (as the jobs are its organisation's), rows within its reach: a regulator the origins inside
  its territory, a carrier its own brand (a provincial company inside its province), with
  every platform's customers' figures;
- the **system** sees every plan, whoever made it; anyone else nothing (an empty list, and
  a plan outside reach answers "not found" as one that does not exist).

Releases naming no platform appear to the carriers and regulators under an empty platform.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from peakguard.app.access import reach
from peakguard.app.jobs import JOB_ID, STAGGER, job_folder
from peakguard.errors import InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.identity.territory import EVERYTHING, Reach
from peakguard.optimize.releases import OrderRelease
from peakguard.optimize.stagger_platforms import PlatformQuota
from peakguard.store.accounts import organisation_row, organisation_rows
from peakguard.store.database import Store, transaction
from peakguard.store.jobs import JobRecord, JobStatus, load_job, query_jobs

PLATFORM_FILE = "platform_quotas.csv"
MAX_PLANS = 50
"""Plans listed at most (newest first), per organisation that made them."""


def check_platforms(
    store: Store, releases: list[OrderRelease], places: list[str] | None = None
) -> None:
    """Every platform a release names is a registered, enabled platform organisation;
    otherwise every such release is reported at its ``platform`` cell."""
    codes = sorted({item.platform for item in releases if item.platform})
    if not codes:
        return
    with transaction(store.sessions) as session:
        known = set()
        for code in codes:
            row = organisation_row(session, code)
            if row is not None and not row.disabled and row.kind == OrganisationKind.platform:
                known.add(code)
    problems = [
        Problem(
            f"{places[index]}, column platform" if places else f"releases[{index}].platform",
            _(
                "unknown platform '{code}': use the code of a registered platform organisation "
                "(peakguard admin organisations), or leave it empty",
                code=item.platform,
            ),
        )
        for index, item in enumerate(releases)
        if item.platform and item.platform not in known
    ]
    if problems:
        raise InvalidInputError(_("The order releases have mistakes."), problems)


@dataclass(frozen=True)
class ScheduleSummary:
    """One finished plan with a schedule the reader may see."""

    job_id: str
    network: str
    scenario: str
    planned_by: str
    """The organisation that made the plan (its code)."""
    finished_at: datetime | None
    platforms: tuple[str, ...]
    """The platforms whose rows the reader sees."""


@dataclass(frozen=True)
class ScheduleView:
    summary: ScheduleSummary
    quotas: list[PlatformQuota]
    customers_before: list[dict[str, Any]]
    customers_after: list[dict[str, Any]]
    """Per platform (``key``), counted from release; only the reader's platforms."""


@dataclass(frozen=True)
class _Scope:
    platform: str | None
    """The reader's own platform (a platform organisation), else None."""
    rows: Reach


def _scope(actor: Principal, platform: str | None = None) -> _Scope | None:
    """What ``actor`` may see of the schedules (narrowed to ``platform`` when given: a
    regulator or carrier reading one platform's part), or None for nothing."""
    organisation = actor.organisation
    if organisation.kind is OrganisationKind.platform:
        own = organisation.code
        if not actor.may(Permission.plan_read) or platform not in (None, own):
            return None
        return _Scope(own, EVERYTHING)  # its own releases, whichever carrier picks them up
    if organisation.kind is OrganisationKind.public or not actor.may(Permission.plan_read):
        return None
    return _Scope(platform, reach(actor))


def list_schedules(
    store: Store, actor: Principal, *, platform: str | None = None
) -> list[ScheduleSummary]:
    """The finished staggering plans with a schedule ``actor`` may see, newest first (with
    ``platform``, those carrying that platform's releases)."""
    scope = _scope(actor, platform)
    if scope is None:
        return []
    if not _every_organisation(actor):
        organisations: list[int | None] = [actor.organisation.id]
    else:
        with transaction(store.sessions) as session:
            organisations = [row.id for row in organisation_rows(session)] + [None]
    jobs: list[JobRecord] = []
    for organisation in organisations:
        _total, found = query_jobs(
            store,
            organisation,
            kinds=(STAGGER,),
            statuses=(JobStatus.succeeded,),
            limit=MAX_PLANS,
        )
        jobs += found
    jobs.sort(key=lambda job: job.finished_at or job.created_at, reverse=True)
    summaries = [_summary(job, scope) for job in jobs]
    return [item for item in summaries if item is not None]


def get_schedule(
    store: Store, actor: Principal, job_id: str, home: Path | Any, *, platform: str | None = None
) -> ScheduleView:
    """One plan's schedule as ``actor`` may see it (only ``platform``'s part, when given);
    "not found" when it sees none of it."""
    scope = _scope(actor, platform)
    found = _finished_stagger(store, job_id)
    if scope is None or found is None:
        raise _missing(job_id)
    if not _every_organisation(actor) and found.organisation_id != actor.organisation.id:
        raise _missing(job_id)
    summary = _summary(found, scope)
    if summary is None:
        raise _missing(job_id)
    quotas = [
        item
        for item in _read_quotas(job_folder(home, found.id) / PLATFORM_FILE)
        if _visible(scope, item.platform, item.carrier, item.region)
    ]
    customers = (found.result or {}).get("platform_customers") or {}
    return ScheduleView(
        summary,
        quotas,
        [g for g in customers.get("before", []) if _platform_seen(scope, g.get("key", ""))],
        [g for g in customers.get("after", []) if _platform_seen(scope, g.get("key", ""))],
    )


def _every_organisation(actor: Principal) -> bool:
    """Whether ``actor`` reads plans whoever made them (a platform, the system), not only its
    own organisation's."""
    return actor.organisation.kind in (OrganisationKind.platform, OrganisationKind.system)


def _finished_stagger(store: Store, job_id: str) -> JobRecord | None:
    found = load_job(store, job_id) if JOB_ID.fullmatch(job_id) else None
    if found is None or found.kind != STAGGER or found.status is not JobStatus.succeeded:
        return None
    return found


def _missing(job_id: str) -> NotFoundError:
    return NotFoundError(_("No schedule of plan {id} is visible to you.", id=job_id[:32]))


def _platform_seen(scope: _Scope, platform: str) -> bool:
    return scope.platform is None or platform == scope.platform


def _visible(scope: _Scope, platform: str, carrier: str, region: str) -> bool:
    return _platform_seen(scope, platform) and scope.rows.covers(carrier, region)


def _summary(job: JobRecord, scope: _Scope) -> ScheduleSummary | None:
    """The plan as the reader sees it; None when it holds nothing of the reader's."""
    result = job.result or {}
    named = [str(code) for code in result.get("platforms") or []]
    seen = tuple(code for code in named if _platform_seen(scope, code))
    if not any(named) or (scope.platform is not None and not seen):  # no platform's plan
        return None
    summary = result.get("summary") or {}
    return ScheduleSummary(
        job_id=job.id,
        network=str(summary.get("network", "")),
        scenario=str(summary.get("scenario", "")),
        planned_by=job.owner_label.rpartition("@")[2],
        finished_at=job.finished_at,
        platforms=seen,
    )


def _read_quotas(path: Path) -> list[PlatformQuota]:
    """The rows of a job's platform_quotas.csv (none when the plan predates it)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            PlatformQuota(
                platform=row["platform"],
                origin=row["origin"],
                carrier=row["carrier"],
                region=row["region"],
                day=date.fromisoformat(row["day"]),
                quota=float(row["quota"]),
                released=float(row["released"]),
            )
            for row in csv.DictReader(handle)
        ]
