"""Daily volume reports as rows: versions kept side by side, flags raised once.

Every function that takes a session works inside the caller's transaction. A new version is
one conditional ``UPDATE`` of the report's version (a correction that read version 2 finds the
report at 3 and gets :class:`~peakguard.errors.StaleRecordError`, nothing written), then the
version's own row, unique per report and number. A flag is one ``INSERT … ON CONFLICT DO
NOTHING`` against the unique (carrier, region, day, kind, version), and the checks of a
version one ``UPDATE … WHERE checked_at IS NULL``: two sweeps at once, or one sweeping twice,
record each once. The sweep's PostgreSQL advisory lock is :data:`REPORT_SWEEP_LOCK`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.orm import Session

from peakguard.cases.daily_reports import (
    Check,
    ClosedOutlet,
    Flag,
    HubBacklog,
    ReportContent,
    ReportKey,
    ScanCounts,
    Submitted,
    city_of,
)
from peakguard.errors import StaleRecordError
from peakguard.i18n import Message, _
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.case_clocks import dialect_insert
from peakguard.store.database import Store, transaction
from peakguard.store.event_files import (
    BATCH,
    LAKE_KEY,
    batch_of,
    retracted_keys,
    without_retracted,
)
from peakguard.store.event_lake import event_dataset, event_paths
from peakguard.store.report_tables import (
    DailyReportFlagRow,
    DailyReportRow,
    DailyReportVersionRow,
)
from peakguard.store.tables import NodeRow

REPORT_SWEEP_LOCK = 0x7065616B64617931
"""PostgreSQL advisory-lock key ("peakday1" in ASCII) of the daily reports' deadline sweep."""


# -- (de)serialising ----------------------------------------------------------------------------


def content_document(content: ReportContent) -> dict[str, Any]:
    """The figures as JSON-ready data (also the API's and the files' shape)."""
    return {
        "picked_up": content.picked_up,
        "delivered": content.delivered,
        "backlog": content.backlog,
        "staff": content.staff,
        "vehicles": content.vehicles,
        "hub_backlogs": [{"node": h.node, "parcels": h.parcels} for h in content.hub_backlogs],
        "closed_outlets": [{"node": o.node, "reason": o.reason} for o in content.closed_outlets],
    }


def content_of(document: Mapping[str, Any]) -> ReportContent:
    return ReportContent(
        picked_up=int(document["picked_up"]),
        delivered=int(document["delivered"]),
        backlog=int(document["backlog"]),
        staff=int(document["staff"]),
        vehicles=int(document["vehicles"]),
        hub_backlogs=tuple(
            HubBacklog(str(item["node"]), int(item["parcels"]))
            for item in document.get("hub_backlogs", ())
        ),
        closed_outlets=tuple(
            ClosedOutlet(str(item["node"]), str(item["reason"]))
            for item in document.get("closed_outlets", ())
        ),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return {"msgid": value.msgid, "params": {k: _plain(v) for k, v in value.params.items()}}
    return value if isinstance(value, (int, float, str, bool)) or value is None else str(value)


def message_text(message: Message) -> str:
    """A message as JSON text (its figures kept, rendered later in the reader's language)."""
    return json.dumps(_plain(message), ensure_ascii=False, sort_keys=True)


def message_from(document: Any) -> Message:
    if isinstance(document, str):
        document = json.loads(document)
    params = {
        key: message_from(value) if isinstance(value, dict) and "msgid" in value else value
        for key, value in document.get("params", {}).items()
    }
    return _(str(document["msgid"]), **params)


# -- records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRecord:
    version: int
    content: ReportContent
    submitted_by: str
    channel: str
    reason: str | None
    submitted_at: datetime
    checks: tuple[dict[str, Any], ...] | None
    """The sweep's checks (kind, outcome, reason as a message, threshold), once made."""


@dataclass(frozen=True)
class FlagRecord:
    id: int
    key: ReportKey
    kind: str
    version: int
    reason: Message
    threshold: Message
    raised_at: datetime


@dataclass(frozen=True)
class ReportRecord:
    id: int
    key: ReportKey
    organisation_id: int | None
    version: int
    first_received_at: datetime
    updated_at: datetime
    latest: ReportContent


@dataclass(frozen=True)
class ReportDetail:
    report: ReportRecord
    versions: tuple[VersionRecord, ...]
    flags: tuple[FlagRecord, ...]


def _key(row: DailyReportRow | DailyReportFlagRow) -> ReportKey:
    return ReportKey(row.carrier, row.region, row.day)


def _flag(row: DailyReportFlagRow) -> FlagRecord:
    return FlagRecord(
        row.id,
        _key(row),
        row.kind,
        row.version,
        message_from(row.reason),
        message_from(row.threshold),
        row.raised_at,
    )


def _version(row: DailyReportVersionRow) -> VersionRecord:
    return VersionRecord(
        row.version,
        content_of(json.loads(row.content)),
        row.submitted_by,
        row.channel,
        row.reason,
        row.submitted_at,
        None if row.checks is None else tuple(json.loads(row.checks)),
    )


# -- writing ------------------------------------------------------------------------------------


def add_version(
    session: Session,
    key: ReportKey,
    content: ReportContent,
    *,
    organisation_id: int | None,
    by: str,
    channel: str,
    reason: str | None,
    at: datetime,
    expected_version: int | None = None,
) -> tuple[int, int]:
    """Keep ``content`` as the report's next version: (report id, version number). With
    ``expected_version`` (the version the sender read; 0 for "none yet"), a report that moved
    on since is refused with StaleRecordError, nothing written."""
    insert = (
        dialect_insert(session, DailyReportRow)
        .values(
            carrier=key.carrier,
            region=key.region,
            day=key.day,
            organisation_id=organisation_id,
            version=0,
            first_received_at=at,
            updated_at=at,
        )
        .on_conflict_do_nothing(index_elements=["carrier", "region", "day"])
    )
    session.execute(insert)
    row = session.execute(select(DailyReportRow.id, DailyReportRow.version).where(*_is(key))).one()
    current = row.version if expected_version is None else expected_version
    statement = (
        update(DailyReportRow)
        .where(DailyReportRow.id == row.id, DailyReportRow.version == current)
        .values(version=current + 1, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    if session.execute(statement).rowcount != 1:  # type: ignore[attr-defined]
        raise StaleRecordError(
            _(
                "the report was changed since version {version} was read: read it again, "
                "then correct it",
                version=current,
            )
        )
    session.add(
        DailyReportVersionRow(
            report_id=row.id,
            version=current + 1,
            content=json.dumps(content_document(content), ensure_ascii=False),
            submitted_by=by,
            channel=channel,
            reason=reason,
            submitted_at=at,
        )
    )
    session.flush()
    return row.id, current + 1


def _is(key: ReportKey) -> tuple[ColumnElement[bool], ...]:
    return (
        DailyReportRow.carrier == key.carrier,
        DailyReportRow.region == key.region,
        DailyReportRow.day == key.day,
    )


def insert_flag_once(session: Session, flag: Flag, at: datetime) -> bool:
    """Raise ``flag``: True only for the call that created it."""
    statement = (
        dialect_insert(session, DailyReportFlagRow)
        .values(
            carrier=flag.key.carrier,
            region=flag.key.region,
            day=flag.key.day,
            kind=flag.kind.value,
            version=flag.version,
            reason=message_text(flag.reason),
            threshold=message_text(flag.threshold),
            raised_at=at,
        )
        .on_conflict_do_nothing(index_elements=["carrier", "region", "day", "kind", "version"])
        .returning(DailyReportFlagRow.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def save_checks_once(
    session: Session, key: ReportKey, version: int, checks: tuple[Check, ...], at: datetime
) -> bool:
    """Keep the checks made of a version, unless they were kept already."""
    document = [
        {
            "kind": check.kind.value,
            "outcome": check.outcome.value,
            "reason": _plain(check.reason),
            "threshold": _plain(check.threshold),
        }
        for check in checks
    ]
    report = select(DailyReportRow.id).where(*_is(key)).scalar_subquery()
    statement = (
        update(DailyReportVersionRow)
        .where(
            DailyReportVersionRow.report_id == report,
            DailyReportVersionRow.version == version,
            DailyReportVersionRow.checked_at.is_(None),
        )
        .values(checks=json.dumps(document, ensure_ascii=False), checked_at=at)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def report_sweep_lock(session: Session) -> bool:
    """Whether this transaction may sweep now (PostgreSQL: :data:`REPORT_SWEEP_LOCK` tried
    without waiting; SQLite: True, its single writer serialises the sweeps)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    taken = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": REPORT_SWEEP_LOCK}
    ).scalar_one()
    return bool(taken)


# -- reading ------------------------------------------------------------------------------------


def _record(row: DailyReportRow, latest: DailyReportVersionRow) -> ReportRecord:
    return ReportRecord(
        row.id,
        _key(row),
        row.organisation_id,
        row.version,
        row.first_received_at,
        row.updated_at,
        content_of(json.loads(latest.content)),
    )


def _latest_join() -> Any:
    return select(DailyReportRow, DailyReportVersionRow).join(
        DailyReportVersionRow,
        (DailyReportVersionRow.report_id == DailyReportRow.id)
        & (DailyReportVersionRow.version == DailyReportRow.version),
    )


def load_report(session: Session, report_id: int) -> ReportDetail | None:
    """The report with every version (oldest first) and every flag raised on its key."""
    found = session.execute(_latest_join().where(DailyReportRow.id == report_id)).first()
    if found is None:
        return None
    row, latest = found
    versions = session.scalars(
        select(DailyReportVersionRow)
        .where(DailyReportVersionRow.report_id == report_id)
        .order_by(DailyReportVersionRow.version)
    )
    flags = session.scalars(
        select(DailyReportFlagRow)
        .where(
            DailyReportFlagRow.carrier == row.carrier,
            DailyReportFlagRow.region == row.region,
            DailyReportFlagRow.day == row.day,
        )
        .order_by(DailyReportFlagRow.id)
    )
    return ReportDetail(
        _record(row, latest),
        tuple(_version(item) for item in versions),
        tuple(_flag(item) for item in flags),
    )


@dataclass(frozen=True)
class ReportFilter:
    """Which reports: of a territory (region prefix), a brand, a span of days."""

    region_prefix: str = ""
    carrier: str | None = None
    day_from: date | None = None
    day_to: date | None = None


def _where(model: Any, chosen: ReportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if chosen.region_prefix:
        conditions.append(model.region.startswith(chosen.region_prefix, autoescape=True))
    if chosen.carrier is not None:
        conditions.append(model.carrier == chosen.carrier)
    if chosen.day_from is not None:
        conditions.append(model.day >= chosen.day_from)
    if chosen.day_to is not None:
        conditions.append(model.day <= chosen.day_to)
    return conditions


def query_reports(
    session: Session, chosen: ReportFilter, *, limit: int = 100, offset: int = 0
) -> tuple[int, list[ReportRecord]]:
    """How many reports match and one page of them, newest day first."""
    conditions = _where(DailyReportRow, chosen)
    total = session.scalar(select(func.count()).select_from(DailyReportRow).where(*conditions))
    rows = session.execute(
        _latest_join()
        .where(*conditions)
        .order_by(DailyReportRow.day.desc(), DailyReportRow.region, DailyReportRow.carrier)
        .limit(limit)
        .offset(offset)
    )
    return int(total or 0), [_record(row, latest) for row, latest in rows]


def latest_reports(session: Session, chosen: ReportFilter) -> dict[ReportKey, ReportRecord]:
    """Every matching report's latest version, by key."""
    rows = session.execute(_latest_join().where(*_where(DailyReportRow, chosen)))
    return {_key(row): _record(row, latest) for row, latest in rows}


def submitted_reports(session: Session, chosen: ReportFilter) -> dict[ReportKey, Submitted]:
    """What the deadline sees of every matching report."""
    return {
        key: Submitted(record.first_received_at, record.version, record.latest)
        for key, record in latest_reports(session, chosen).items()
    }


def flags_of(session: Session, chosen: ReportFilter) -> list[FlagRecord]:
    """Every flag raised on the matching keys, by day, region, carrier."""
    rows = session.scalars(
        select(DailyReportFlagRow)
        .where(*_where(DailyReportFlagRow, chosen))
        .order_by(
            DailyReportFlagRow.day,
            DailyReportFlagRow.region,
            DailyReportFlagRow.carrier,
            DailyReportFlagRow.id,
        )
    )
    return [_flag(row) for row in rows]


@dataclass(frozen=True)
class Company:
    """A carrier company expected to report: its organisation and the cities of its nodes."""

    organisation_id: int
    code: str
    carrier: str
    province: str
    cities: tuple[str, ...]


def companies(session: Session) -> list[Company]:
    """Every enabled carrier company (brand + province) and the cities where the stored
    networks hold nodes of its brand in its province: the reports expected of it each day."""
    places = session.execute(select(NodeRow.carrier, NodeRow.region).distinct()).all()
    cities: dict[tuple[str, str], set[str]] = {}
    for carrier, region in places:
        cities.setdefault((carrier, region[:2]), set()).add(city_of(region))
    rows = session.scalars(
        select(OrganisationRow).where(
            OrganisationRow.kind == "carrier",
            OrganisationRow.carrier.is_not(None),
            OrganisationRow.region.is_not(None),
            OrganisationRow.disabled.is_(False),
        )
    )
    found: list[Company] = []
    for row in rows:
        if row.carrier is None or row.region is None:  # pragma: no cover - the query's
            continue
        covered = cities.get((row.carrier, row.region[:2]), set())
        if covered:
            found.append(Company(row.id, row.code, row.carrier, row.region, tuple(sorted(covered))))
    return sorted(found, key=lambda company: company.code)


def company_of(session: Session, carrier: str, region: str) -> int | None:
    """The id of the carrier company of ``carrier`` in the province of ``region``."""
    province = region[:2] + "0000"
    return session.scalar(
        select(OrganisationRow.id)
        .where(
            OrganisationRow.kind == "carrier",
            OrganisationRow.carrier == carrier,
            OrganisationRow.region == province,
        )
        .order_by(OrganisationRow.id)
        .limit(1)
    )


def expected_keys(session: Session, days: Collection[date]) -> set[ReportKey]:
    """Every report expected on ``days``: each company × each of its cities × each day."""
    return {
        ReportKey(company.carrier, city, day)
        for company in companies(session)
        for city in company.cities
        for day in days
    }


# -- what other parts of the desk read -----------------------------------------------------------


@dataclass(frozen=True)
class ClosedOutletRecord:
    """An outlet a carrier reported closed on a day (its latest report's), with the reason."""

    node: str
    carrier: str
    region: str
    day: date
    reason: str
    report_id: int


def closed_outlets(session_or_store: Session | Store, day: date) -> list[ClosedOutletRecord]:
    """Every outlet reported closed on ``day`` in the latest versions, by carrier and node
    (the unauthorised-stop supervision checks them against approved closures)."""
    if isinstance(session_or_store, Store):
        with transaction(session_or_store.sessions) as session:
            return closed_outlets(session, day)
    reports = latest_reports(session_or_store, ReportFilter(day_from=day, day_to=day))
    return sorted(
        (
            ClosedOutletRecord(outlet.node, key.carrier, key.region, day, outlet.reason, r.id)
            for key, r in reports.items()
            for outlet in r.latest.closed_outlets
        ),
        key=lambda item: (item.carrier, item.node),
    )


def hub_backlogs(store: Store, day: date) -> dict[str, int]:
    """Hub node id → the backlog its carrier reported for ``day`` (latest versions)."""
    with transaction(store.sessions) as session:
        reports = latest_reports(session, ReportFilter(day_from=day, day_to=day))
    return {
        hub.node: hub.parcels for key in sorted(reports) for hub in reports[key].latest.hub_backlogs
    }


@dataclass(frozen=True)
class ScanDay:
    """The lake's scans of one day: (carrier, city) → counts, and the carriers with any event
    that day (a carrier with events elsewhere but none in a city scanned 0 there; a carrier
    with no event at all that day is not in the lake, and its reports cannot be checked)."""

    counts: Mapping[tuple[str, str], ScanCounts]
    carriers: frozenset[str]

    def of(self, carrier: str, city: str) -> ScanCounts | None:
        if carrier not in self.carriers:
            return None
        return self.counts.get((carrier, city), ScanCounts(0, 0))


def scan_counts(lake: Path, day: date) -> ScanDay:
    """The acceptance scans (by the origin's city) and delivery scans (by the destination's
    city) of every carrier stored in the lake for ``day`` (China time), without the retracted
    ones."""
    if not event_paths(lake):
        return ScanDay({}, frozenset())
    columns = ["event", "origin_region", "destination_region"]
    table = event_dataset(lake).to_table(
        columns=[*columns, *(name for name in LAKE_KEY if name not in columns), "__filename"],
        filter=ds.field("day") == pa.scalar(day, pa.date32()),
    )
    retracted = retracted_keys(lake)
    if retracted.num_rows:
        batches = [batch_of(name) for name in table.column("__filename").to_pylist()]
        table = table.append_column(BATCH, pa.array(batches, pa.string()))
        table = without_retracted(table, retracted)
    counts: dict[tuple[str, str], list[int]] = {}
    for event, region_column, position in (
        ("accept", "origin_region", 0),
        ("deliver", "destination_region", 1),
    ):
        chosen = table.filter(pc.equal(table.column("event"), event))
        for carrier, region in zip(
            chosen.column("carrier").to_pylist(),
            chosen.column(region_column).to_pylist(),
            strict=True,
        ):
            counts.setdefault((carrier, city_of(region)), [0, 0])[position] += 1
    return ScanDay(
        {key: ScanCounts(value[0], value[1]) for key, value in counts.items()},
        frozenset(table.column("carrier").to_pylist()),
    )
