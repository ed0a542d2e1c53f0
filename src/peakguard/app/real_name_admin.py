"""The real-name register's upkeep: a carrier's employees (their IDs kept as keyed hashes
only), the key rotation, the retention, and the waybill check of 快递暂行条例 art. 22.

- Employees: a carrier registers the IDs of its staff (``realname.write``); only the keyed
  hash is kept, with the mark of the key it was made under. Registering runs the employee
  pattern over the register's past year for those hashes.
- Rotation (``admin.manage``): with the new key configured and the old ones given, every entry's
  name and ID are sealed again under the new key and its hash recomputed; the flags follow their
  hashes. It works in steps of 500 entries, each its own transaction, so it can be stopped and
  run again. Employees' hashes cannot be recomputed (their IDs are not kept): the rotation
  reports how many are stale and the carriers send their lists again.
- Retention (``admin.manage``): entries accepted before the retention period (one year by
  default, the local rule DOMAIN.md cites) are removed; their flags stay, with the hash only.
- Waybill check (``realname.read``): findings by row and field, never the value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.real_name_patterns import detect_employees_in
from peakguard.app.real_name_vault import key_mark, register_vault
from peakguard.cases.real_name import IdType, check_id, mask_id, problem_label
from peakguard.cases.real_name_flags import DEFAULT_THRESHOLDS, PatternThresholds
from peakguard.cases.waybill_check import WaybillFinding, check_waybills
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import ForbiddenError, InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.real_name_file import read_register_table
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.identity.territory import Reach
from peakguard.store.database import Store, transaction
from peakguard.store.real_name import (
    EmployeeRecord,
    employees_of,
    put_employee,
    query_entries,
    rehash_flags,
    remove_before,
    reseal_entries,
    stale_employees,
)

DEFAULT_RETENTION_DAYS: Final = 365
MAX_EMPLOYEES: Final = 5_000
MAX_WAYBILLS: Final = 100_000


@dataclass(frozen=True)
class EmployeeDraft:
    employee_code: str
    id_type: IdType
    id_number: str


@dataclass(frozen=True)
class EmployeesReport:
    added: int
    replaced: int
    flags_raised: int


def register_employees(
    store: Store,
    actor: Principal,
    employees: Sequence[EmployeeDraft],
    *,
    carrier: str | None = None,
    now: datetime | None = None,
    thresholds: PatternThresholds = DEFAULT_THRESHOLDS,
) -> EmployeesReport:
    """Register (or replace) employees' ID hashes for the caller's carrier (the system names
    ``carrier``); an invalid ID is a located mistake, masked."""
    require(actor, Permission.realname_write)
    brand = _carrier(actor, carrier)
    moment = now or datetime.now(UTC)
    problems: list[Problem] = []
    if not employees or len(employees) > MAX_EMPLOYEES:
        message = _("send 1 to {limit} employees", limit=MAX_EMPLOYEES)
        raise InvalidInputError(message, [Problem("employees", message)])
    for index, employee in enumerate(employees):
        found = check_id(employee.id_type, employee.id_number)
        if found.problem is not None:
            message = _(
                "{number}: {reason}",
                number=mask_id(employee.id_number),
                reason=problem_label(found.problem),
            )
            problems.append(Problem(f"employees[{index}].id_number", message))
    if problems:
        raise InvalidInputError(_("the employees have mistakes; none was registered"), problems)
    vault = register_vault(store)
    mark = key_mark(vault)
    added = replaced = 0
    with transaction(store.sessions) as session:
        hashes: list[str] = []
        for employee in employees:
            digest = vault.digest(check_id(employee.id_type, employee.id_number).number)
            hashes.append(digest)
            new = put_employee(
                session,
                {
                    "carrier": brand,
                    "organisation": actor.organisation.code,
                    "employee_code": employee.employee_code,
                    "id_hash": digest,
                    "key_mark": mark,
                    "registered_by": actor.label(),
                    "registered_at": moment,
                },
            )
            added, replaced = added + new, replaced + (not new)
        days = _past_days(session, brand, hashes, moment)
        raised = detect_employees_in(session, store, actor, days, thresholds=thresholds, now=moment)
        record_in(
            session,
            store,
            actor,
            "realname.employees",
            "realname_employees",
            brand,
            detail={"added": added, "replaced": replaced, "flags_raised": raised},
            at=moment,
        )
    return EmployeesReport(added, replaced, raised)


def _carrier(actor: Principal, carrier: str | None) -> str:
    organisation = actor.organisation
    if organisation.kind is OrganisationKind.carrier and organisation.carrier:
        if carrier not in (None, organisation.carrier):
            raise ForbiddenError(_("A carrier registers its own employees only."))
        return organisation.carrier
    if organisation.kind is OrganisationKind.system and carrier:
        return carrier
    raise ForbiddenError(_("Employees are registered by their carrier."))


def _past_days(
    session: Session, carrier: str, hashes: Sequence[str], moment: datetime
) -> dict[tuple[str, str], set[date]]:
    """The days of the past year on which the register holds each hash."""
    since = (moment - timedelta(days=DEFAULT_RETENTION_DAYS)).astimezone(CHINA_STANDARD_TIME)
    days: dict[tuple[str, str], set[date]] = {}
    _total, entries = query_entries(
        session,
        Reach(carrier=carrier),
        hashes=hashes,
        day_from=since.date(),
        limit=100_000,
    )
    for entry in entries:
        days.setdefault((carrier, entry.id_hash), set()).add(entry.accepted_day)
    return days


def list_employees(store: Store, actor: Principal) -> list[EmployeeRecord]:
    """The employees registered (codes and when; never an ID) of the caller's carrier."""
    require(actor, Permission.realname_write)
    scope = reach(actor)
    with transaction(store.sessions) as session:
        found = employees_of(session, None if scope.everything else scope.carrier)
    if scope.carrier is None and not scope.everything:
        return [] if scope.nothing else found
    return found


@dataclass(frozen=True)
class RotationReport:
    entries: int
    flags: int
    employees_stale: int


def rotate_register(
    store: Store, actor: Principal, previous: Sequence[bytes], *, now: datetime | None = None
) -> RotationReport:
    """Seal every entry again under the configured (new) key; ``previous``: the old keys."""
    require(actor, Permission.admin_manage)
    vault = register_vault(store, previous)
    moment = now or datetime.now(UTC)

    def rehash(token: bytes) -> str:
        return vault.digest(vault.open(token) or "")

    def reseal(token: bytes) -> bytes:
        sealed = vault.rotate(token)
        assert sealed is not None
        return sealed

    entries = flags = after = 0
    while True:
        with transaction(store.sessions) as session:
            last, done, changed = reseal_entries(session, after, reseal, rehash)
            flags += rehash_flags(session, changed)
        if not done:
            break
        entries, after = entries + done, last
    with transaction(store.sessions) as session:
        stale = stale_employees(session, key_mark(vault))
        record_in(
            session,
            store,
            actor,
            "realname.rotate",
            "realname_register",
            "key",
            detail={"entries": entries, "flags": flags, "employees_stale": stale},
            at=moment,
        )
    return RotationReport(entries, flags, stale)


def prune_register(
    store: Store,
    actor: Principal,
    *,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    now: datetime | None = None,
) -> int:
    """Remove the entries accepted more than ``retention_days`` ago; how many."""
    require(actor, Permission.admin_manage)
    if not 30 <= retention_days <= 3660:
        message = _("must be from 30 to 3660 days")
        raise InvalidInputError(message, [Problem("retention_days", message)])
    moment = now or datetime.now(UTC)
    before = moment - timedelta(days=retention_days)
    with transaction(store.sessions) as session:
        removed = remove_before(session, before)
        record_in(
            session,
            store,
            actor,
            "realname.prune",
            "realname_register",
            "retention",
            detail={"removed": removed, "before": before.isoformat(), "days": retention_days},
            at=moment,
        )
    return removed


@dataclass(frozen=True)
class WaybillReport:
    source: str
    rows: int
    findings: tuple[WaybillFinding, ...]


def check_waybill_records(
    store: Store,
    actor: Principal,
    records: Sequence[Mapping[str, Any]],
    *,
    source: str = "records",
    first_row: int = 0,
) -> WaybillReport:
    """Check waybill records (each a mapping of field → value), numbered from ``first_row``."""
    _may_check(actor)
    if len(records) > MAX_WAYBILLS:
        message = _("at most {limit} waybills at once: split them", limit=MAX_WAYBILLS)
        raise InvalidInputError(message, [Problem(source, message)])
    numbered = [(first_row + index, record) for index, record in enumerate(records)]
    findings = tuple(check_waybills(numbered))
    _audit_check(store, actor, source, len(records), len(findings))
    return WaybillReport(source, len(records), findings)


def check_waybill_file(
    store: Store,
    actor: Principal,
    source: Path | bytes,
    file_name: str | None = None,
    *,
    limits: InputLimits = DEFAULT_LIMITS,
) -> WaybillReport:
    """Check a carrier's waybill file (CSV or Excel): every field of every row."""
    _may_check(actor)
    name, table = read_register_table(source, file_name, limits=limits)
    if table.problems:
        raise InvalidInputError(_("{name} cannot be read", name=name), list(table.problems))
    findings = tuple(check_waybills(table.records()))
    _audit_check(store, actor, name, len(table.rows), len(findings))
    return WaybillReport(table.source, len(table.rows), findings)


def _may_check(actor: Principal) -> None:
    require(actor, Permission.realname_read)


def _audit_check(store: Store, actor: Principal, source: str, rows: int, found: int) -> None:
    with transaction(store.sessions) as session:
        record_in(
            session,
            store,
            actor,
            "realname.waybill_check",
            "waybill_check",
            source[:200],
            detail={"rows": rows, "findings": found},
        )
