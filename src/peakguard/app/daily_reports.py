"""Daily volume reports (每日业务量统计报送): submit, correct, read and list.

A carrier company submits its report of a day and a city through the API (a token holding
``report.submit``), a file (all of it or none) or the web form; each goes through
:func:`submit_reports`. A report is written once per (carrier, city, day); sending it again is
a correction: the next version, with who, when, how and why, never an overwrite — the latest
counts, the history stays. A reporter reaches only its own brand in its own province (a ZTO
Sichuan reporter cannot report for SF nor for Guangdong: "not found", as for a report out of
reach). ``report.read``: a regulator reads its territory's reports, a carrier its brand's.
Every submission is audited in its transaction (the key and version, no figures).

The deadline's sweep and the roll-up are in :mod:`peakguard.app.daily_rollup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.cases.controlled import code_prefix
from peakguard.cases.daily_reports import (
    ReportContent,
    ReportKey,
    content_problems,
    region_problem,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.daily_reports import (
    FlagRecord,
    ReportDetail,
    ReportFilter,
    ReportRecord,
    add_version,
    company_of,
    flags_of,
    load_report,
    query_reports,
)
from peakguard.store.database import Store, transaction

CHANNELS = ("api", "file", "form", "cli")
EARLIEST_DAY = date(2000, 1, 1)


@dataclass(frozen=True)
class Submission:
    """One report as sent: for ``carrier`` (None: the sender's own brand), a city and a day,
    the figures, why it corrects an earlier version, and the version the sender read (None:
    whatever is latest; 0: the sender means a first report)."""

    region: str
    day: date
    content: ReportContent
    carrier: str | None = None
    reason: str | None = None
    expected_version: int | None = None
    where: str = ""
    """Where the submission came from, to locate a refusal (``daily-report.csv rows 2-9``)."""


@dataclass(frozen=True)
class Submitted:
    """A version kept: the report's id, its key and the version's number."""

    report_id: int
    key: ReportKey
    version: int


def sender_carrier(actor: Principal, given: str | None) -> str | None:
    """The brand a submission is for: the sender's own when it is a carrier company."""
    own = actor.organisation.carrier
    if actor.organisation.kind is OrganisationKind.carrier and given is None:
        return own
    return given


def submission_problems(submission: Submission, now: datetime) -> list[Problem]:
    """What is wrong with a submission's city, day and figures, located (empty if nothing)."""
    where = submission.where
    problems = [Problem(f"{where}{field}", message) for field, message in content_problems(
        submission.content
    )]  # fmt: skip
    wrong = region_problem(submission.region)
    if wrong is not None:
        problems.append(Problem(f"{where}region", wrong))
    today = now.astimezone(CHINA_STANDARD_TIME).date()
    if not EARLIEST_DAY <= submission.day <= today:
        problems.append(
            Problem(
                f"{where}day",
                _(
                    "{day} is not a day that can be reported: from {earliest} to today",
                    day=submission.day.isoformat(),
                    earliest=EARLIEST_DAY.isoformat(),
                ),
            )
        )
    return problems


def submit_reports(
    store: Store,
    actor: Principal,
    submissions: Sequence[Submission],
    *,
    channel: str,
    now: datetime | None = None,
) -> list[Submitted]:
    """Keep every submission as its report's next version, all in one transaction, or none:
    a brand or province outside the sender's reach is "not found"; a stale correction is
    refused (StaleRecordError)."""
    require(actor, Permission.report_submit)
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    moment = now or datetime.now(UTC)
    scope = reach(actor)
    problems: list[Problem] = []
    for submission in submissions:
        problems += submission_problems(submission, moment)
        carrier = sender_carrier(actor, submission.carrier)
        if carrier is None:
            problems.append(
                Problem(
                    f"{submission.where}carrier", _("name the carrier (brand) the report is of")
                )
            )
        elif not scope.covers(carrier, submission.region):
            raise NotFoundError(
                _(
                    "No carrier company {carrier} in {region} is within your reach.",
                    carrier=carrier,
                    region=submission.region,
                )
            )
    if problems:
        raise InvalidInputError(_("the reports have mistakes"), problems)
    kept: list[Submitted] = []
    with transaction(store.sessions) as session:
        for submission in submissions:
            carrier = sender_carrier(actor, submission.carrier)
            assert carrier is not None  # checked above
            key = ReportKey(carrier, submission.region, submission.day)
            report_id, version = add_version(
                session,
                key,
                submission.content,
                organisation_id=company_of(session, carrier, submission.region),
                by=actor.label(),
                channel=channel,
                reason=submission.reason,
                at=moment,
                expected_version=submission.expected_version,
            )
            record_in(
                session,
                store,
                actor,
                "daily_report.submitted" if version == 1 else "daily_report.corrected",
                "daily_report",
                str(report_id),
                detail={
                    "carrier": carrier,
                    "region": submission.region,
                    "day": submission.day.isoformat(),
                    "version": version,
                    "channel": channel,
                },
                at=moment,
            )
            kept.append(Submitted(report_id, key, version))
    return kept


def submit_report(
    store: Store,
    actor: Principal,
    submission: Submission,
    *,
    channel: str = "api",
    now: datetime | None = None,
) -> Submitted:
    """:func:`submit_reports` for one report."""
    return submit_reports(store, actor, [submission], channel=channel, now=now)[0]


def read_scope(actor: Principal) -> ReportFilter:
    """The reports ``actor`` may read (it must hold ``report.read``)."""
    require(actor, Permission.report_read)
    scope = reach(actor)
    if scope.everything:
        return ReportFilter()
    if scope.nothing:
        return ReportFilter(region_prefix="\x00")
    return ReportFilter(region_prefix=scope.prefix, carrier=scope.carrier)


def narrowed(
    actor: Principal,
    *,
    region: str | None = None,
    carrier: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
) -> ReportFilter:
    """The actor's scope narrowed by the filters asked; a region or brand outside it is "not
    found"."""
    scope = read_scope(actor)
    prefix = scope.region_prefix
    if region:
        wanted = code_prefix(region)
        if not wanted.startswith(prefix) and not prefix.startswith(wanted):
            raise NotFoundError(_("Region {code} is outside your territory.", code=region))
        prefix = wanted if len(wanted) > len(prefix) else prefix
    brand = scope.carrier
    if carrier is not None:
        if brand is not None and carrier != brand:
            raise NotFoundError(_("Carrier {carrier} is outside your reach.", carrier=carrier))
        brand = carrier
    return ReportFilter(prefix, brand, day_from, day_to)


@dataclass(frozen=True)
class ReportPage:
    total: int
    reports: tuple[ReportRecord, ...]


def list_reports(
    store: Store, actor: Principal, chosen: ReportFilter, *, limit: int = 100, offset: int = 0
) -> ReportPage:
    """One page of the reports of ``chosen`` (built by :func:`narrowed`), newest day first."""
    with transaction(store.sessions) as session:
        total, records = query_reports(session, chosen, limit=limit, offset=offset)
    return ReportPage(total, tuple(records))


def get_report(store: Store, actor: Principal, report_id: int) -> ReportDetail:
    """The report with its versions and flags; "not found" outside the actor's reach."""
    scope = reach(actor)
    require(actor, Permission.report_read)
    with transaction(store.sessions) as session:
        found = load_report(session, report_id)
    if found is None or not scope.covers(found.report.key.carrier, found.report.key.region):
        raise NotFoundError(_("No daily report {id} is within your reach.", id=report_id))
    return found


def report_flags(store: Store, actor: Principal, chosen: ReportFilter) -> list[FlagRecord]:
    """The flags raised on the reports of ``chosen`` (built by :func:`narrowed`)."""
    with transaction(store.sessions) as session:
        return flags_of(session, chosen)
