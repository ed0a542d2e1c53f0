"""The 24-hour duty (值班值守): rosters, who is on duty now and next, the duty log and
handovers. Alerts are in :mod:`peakguard.app.alerts`.

Each operation acts on one office: the actor's own organisation, or — for an administrator
(admin.manage), such as the CLI — the office named by its code. Another office is "not found".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from peakguard.app.access import require
from peakguard.app.audit import record_in
from peakguard.cases.duty import Shift, Watch, next_shift, on_duty, parse_shifts, shift_at
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    Problem,
    StaleRecordError,
)
from peakguard.i18n import Message, _
from peakguard.identity.model import Permission, Principal
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.accounts import organisation_row
from peakguard.store.database import Store, transaction
from peakguard.store.duty import (
    HandoverRecord,
    LogEntry,
    accept_handover_once,
    add_handover,
    alerts,
    append_log,
    bump_office,
    handovers,
    load_handover,
    log_entries,
    office_settings,
    office_users,
    replace_roster,
    roster,
    usernames,
)

MAX_ROSTER_DAYS = 62
"""The longest period one roster read or edit may span."""
SUBJECT = re.compile(r"^(case|incident|warning|report|alert|plan):[\w.:/-]{1,100}$")


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str


@dataclass(frozen=True)
class WatchView:
    """One shift of one day and who keeps it (nobody: both empty)."""

    day: date
    shift: str
    starts_at: datetime
    ends_at: datetime
    leader: Person | None
    officers: tuple[Person, ...]

    @property
    def staffed(self) -> bool:
        return self.leader is not None or bool(self.officers)


@dataclass(frozen=True)
class DutyNow:
    office: str
    office_name: str
    at: datetime
    current: WatchView | None
    """None: no shift covers the moment, or nobody is rostered for it — say so loudly."""
    next: WatchView | None
    open_alerts: int
    unassigned_alerts: int
    """Open alerts delivered to nobody (the office had nobody on duty)."""


@dataclass(frozen=True)
class RosterView:
    office: str
    first: date
    last: date
    shifts: tuple[Shift, ...]
    acknowledge_minutes: int
    version: int
    watches: tuple[WatchView, ...]


@dataclass(frozen=True)
class WatchInput:
    """A roster line: the day, the shift, the leader on duty and the officers in order
    (usernames of the office's users)."""

    day: date
    shift: str
    leader: str | None
    officers: tuple[str, ...]


def office_of(session: Session, actor: Principal, office: str | None) -> OrganisationRow:
    """The office ``actor`` acts on (see the module's docstring)."""
    code = office or actor.organisation.code
    mine = code == actor.organisation.code
    row = organisation_row(session, code)
    if row is None or not (mine or actor.may(Permission.admin_manage)):
        raise NotFoundError(_("no duty office {code}", code=code))
    return row


def _view(session: Session, watch: Watch | None, day: date, shift: Shift) -> WatchView:
    leader = watch.leader if watch is not None else None
    officers = watch.officers if watch is not None else ()
    names = usernames(session, [*officers, *([leader] if leader is not None else [])])

    def person(user: int) -> Person:
        username, display = names.get(user, (str(user), str(user)))
        return Person(username, display)

    return WatchView(
        day=day,
        shift=shift.name,
        starts_at=shift.starts_at(day),
        ends_at=shift.ends_at(day),
        leader=person(leader) if leader is not None else None,
        officers=tuple(person(user) for user in officers),
    )


def duty_now(
    store: Store, actor: Principal, *, office: str | None = None, now: datetime | None = None
) -> DutyNow:
    """Who is on duty at the office now, who comes next, and its open alerts."""
    require(actor, Permission.duty_read)
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        row = office_of(session, actor, office)
        settings = office_settings(session, row.id)
        local = moment.astimezone(CHINA_STANDARD_TIME).date()
        watches = roster(session, row.id, local - timedelta(days=2), local + timedelta(days=2))
        current = shift_at(settings.shifts, moment)
        watch = on_duty(settings.shifts, watches, moment)
        coming = next_shift(settings.shifts, moment)
        open_ = alerts(session, [row.id], open_only=True)
        return DutyNow(
            office=row.code,
            office_name=row.name,
            at=moment,
            current=_view(session, watch, *current) if current and watch else None,
            next=_view(session, watches.get((coming[0], coming[1].name)), *coming)
            if coming
            else None,
            open_alerts=len(open_),
            unassigned_alerts=sum(1 for alert in open_ if alert.delivered_to is None),
        )


def _period(first: date, last: date) -> None:
    if last < first or (last - first).days >= MAX_ROSTER_DAYS:
        raise InvalidInputError(
            _("a roster period runs from first to last, at most {days} days", days=MAX_ROSTER_DAYS),
            [
                Problem(
                    "last", _("must be on or after first, within {days} days", days=MAX_ROSTER_DAYS)
                )
            ],
        )


def _roster_view(session: Session, row: OrganisationRow, first: date, last: date) -> RosterView:
    settings = office_settings(session, row.id)
    watches = roster(session, row.id, first, last)
    views = []
    day = first
    while day <= last:
        for shift in settings.shifts:
            views.append(_view(session, watches.get((day, shift.name)), day, shift))
        day += timedelta(days=1)
    return RosterView(
        office=row.code,
        first=first,
        last=last,
        shifts=settings.shifts,
        acknowledge_minutes=settings.acknowledge_minutes,
        version=settings.version,
        watches=tuple(views),
    )


def get_roster(
    store: Store, actor: Principal, *, first: date, last: date, office: str | None = None
) -> RosterView:
    """The office's roster of days ``first`` to ``last``: every shift, staffed or not."""
    require(actor, Permission.duty_read)
    _period(first, last)
    with transaction(store.sessions) as session:
        return _roster_view(session, office_of(session, actor, office), first, last)


def set_roster(
    store: Store,
    actor: Principal,
    *,
    first: date,
    last: date,
    watches: Sequence[WatchInput],
    expected_version: int,
    shifts: Sequence[Sequence[str]] | None = None,
    acknowledge_minutes: int | None = None,
    office: str | None = None,
    now: datetime | None = None,
) -> RosterView:
    """Replace the office's roster of days ``first`` to ``last`` (and, if given, its shifts and
    acknowledgement limit), if its version is still ``expected_version``: two editors working
    from the same version, the second gets a :class:`StaleRecordError` and nothing is written."""
    require(actor, Permission.duty_manage)
    _period(first, last)
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        row = office_of(session, actor, office)
        settings = office_settings(session, row.id)
        chosen = parse_shifts(shifts) if shifts is not None else settings.shifts
        limit = settings.acknowledge_minutes if acknowledge_minutes is None else acknowledge_minutes
        problems = (
            []
            if 1 <= limit <= 24 * 60
            else [Problem("acknowledge_minutes", _("must be between 1 and 1440 minutes"))]
        )
        kept = _watches(watches, first, last, chosen, office_users(session, row.id), problems)
        if problems:
            raise InvalidInputError(_("the roster has mistakes"), problems)
        if not bump_office(
            session,
            row.id,
            expected_version=expected_version,
            shifts=chosen,
            acknowledge_minutes=limit,
            at=moment,
        ):
            raise StaleRecordError(
                _(
                    "someone changed the roster since you read it (version {version}); "
                    "read it again",
                    version=expected_version,
                )
            )
        replace_roster(session, row.id, first, last, kept)
        record_in(
            session,
            store,
            actor,
            "duty.roster_set",
            "duty_office",
            row.code,
            detail={
                "first": first.isoformat(),
                "last": last.isoformat(),
                "watches": len(kept),
                "version": expected_version + 1,
            },
            at=moment,
        )
        return _roster_view(session, row, first, last)


def _watches(
    watches: Sequence[WatchInput],
    first: date,
    last: date,
    shifts: Sequence[Shift],
    users: dict[str, int],
    problems: list[Problem],
) -> list[Watch]:
    names = {shift.name for shift in shifts}
    seen: set[tuple[date, str]] = set()
    kept: list[Watch] = []
    for index, line in enumerate(watches):
        where = f"watches[{index}]"
        if not first <= line.day <= last:
            problems.append(
                Problem(
                    f"{where}.day",
                    _(
                        "outside the period {first} to {last}",
                        first=first.isoformat(),
                        last=last.isoformat(),
                    ),
                )
            )
        if line.shift not in names:
            problems.append(
                Problem(
                    f"{where}.shift",
                    _(
                        "no shift {shift}; the shifts are {names}",
                        shift=line.shift,
                        names=", ".join(sorted(names)),
                    ),
                )
            )
        if (line.day, line.shift) in seen:
            problems.append(Problem(where, _("this day and shift are listed twice")))
        seen.add((line.day, line.shift))
        people = [("leader", line.leader)] if line.leader else []
        people += [(f"officers[{n}]", name) for n, name in enumerate(line.officers)]
        for field, name in people:
            if name not in users:
                problems.append(
                    Problem(f"{where}.{field}", _("{name} is not a user of this office", name=name))
                )
        if len(set(line.officers)) != len(line.officers):
            problems.append(Problem(f"{where}.officers", _("an officer is listed twice")))
        kept.append(
            Watch(
                line.day,
                line.shift,
                users.get(line.leader) if line.leader else None,
                tuple(users.get(name, 0) for name in line.officers),
            )
        )
    return kept


def _subject(subject: str | None) -> str | None:
    cleaned = (subject or "").strip() or None
    if cleaned is not None and not SUBJECT.match(cleaned):
        raise InvalidInputError(
            _("the subject is not valid"),
            [
                Problem(
                    "subject",
                    _("write it as case:SS2026-000001, incident:…, warning:… or report:…"),
                )
            ],
        )
    return cleaned


def _text(value: str, field: str) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > 4000:
        raise InvalidInputError(
            _("the {field} is empty or too long", field=field),
            [Problem(field, _("write between 1 and 4000 characters"))],
        )
    return cleaned


def add_log_entry(
    store: Store,
    actor: Principal,
    *,
    text: str,
    subject: str | None = None,
    office: str | None = None,
    now: datetime | None = None,
) -> LogEntry:
    """Append an entry to the office's duty log (entries are never changed nor removed)."""
    require(actor, Permission.duty_keep)
    moment = now or datetime.now(UTC)
    body, about = _text(text, "text"), _subject(subject)
    with transaction(store.sessions) as session:
        row = office_of(session, actor, office)
        entry_id = append_log(
            session, row.id, at=moment, author=actor.name, text=body, subject=about
        )
        record_in(
            session,
            store,
            actor,
            "duty.log_added",
            "duty_log",
            str(entry_id),
            detail={"subject": about},
            at=moment,
        )
        return LogEntry(entry_id, moment, actor.name, body, about)


def read_log(
    store: Store, actor: Principal, *, office: str | None = None, limit: int = 200
) -> list[LogEntry]:
    """The office's duty log, newest first."""
    require(actor, Permission.duty_read)
    with transaction(store.sessions) as session:
        return log_entries(session, office_of(session, actor, office).id, limit=limit)


def hand_over(
    store: Store,
    actor: Principal,
    *,
    to: str,
    note: str,
    office: str | None = None,
    now: datetime | None = None,
) -> HandoverRecord:
    """Hand the duty over to ``to`` (a user of the office) with a note; the office's open
    alerts at this moment are listed on it."""
    require(actor, Permission.duty_keep)
    moment = now or datetime.now(UTC)
    body = _text(note, "note")
    with transaction(store.sessions) as session:
        row = office_of(session, actor, office)
        if to not in office_users(session, row.id) or to == actor.name:
            raise InvalidInputError(
                _("hand over to another user of this office"),
                [Problem("to", _("{name} is not another user of this office", name=to))],
            )
        open_ids = [alert.id for alert in alerts(session, [row.id], open_only=True)]
        handover_id = add_handover(
            session,
            row.id,
            from_user=actor.name,
            to_user=to,
            note=body,
            open_alerts=open_ids,
            at=moment,
        )
        record_in(
            session,
            store,
            actor,
            "duty.handed_over",
            "duty_handover",
            str(handover_id),
            detail={"open_alerts": len(open_ids)},
            at=moment,
        )
        found = load_handover(session, handover_id)
    assert found is not None
    return found


def accept_handover(
    store: Store,
    actor: Principal,
    handover_id: int,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> HandoverRecord:
    """The incoming officer acknowledges taking over (only they may, once)."""
    require(actor, Permission.duty_keep)
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        found = load_handover(session, handover_id)
        if found is None or found.organisation_id != actor.organisation.id:
            raise NotFoundError(_("no handover {id}", id=handover_id))
        if found.to_user != actor.name:
            raise ConflictError(
                _("this handover is to {name}; only they can accept it", name=found.to_user)
            )
        cleaned = (note or "").strip() or None
        if not accept_handover_once(session, handover_id, at=moment, note=cleaned):
            raise ConflictError(_("this handover was accepted already"))
        record_in(
            session,
            store,
            actor,
            "duty.handover_accepted",
            "duty_handover",
            str(handover_id),
            at=moment,
        )
        accepted = load_handover(session, handover_id)
    assert accepted is not None
    return accepted


def list_handovers(
    store: Store, actor: Principal, *, office: str | None = None
) -> list[HandoverRecord]:
    """The office's handovers, newest first."""
    require(actor, Permission.duty_read)
    with transaction(store.sessions) as session:
        return handovers(session, office_of(session, actor, office).id)


def no_one_on_duty() -> Message:
    """The board's loud line when the roster leaves the present moment empty."""
    return _(
        "NOBODY IS ON DUTY NOW: the roster has no one for this shift. Alerts go to the "
        "directors, or to nobody."
    )
