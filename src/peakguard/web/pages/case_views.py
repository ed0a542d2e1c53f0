"""What the case pages show: the words for a case's kind, state, channel, category, steps,
clocks and their outcomes; the desk's list, a case's clocks, history and evidence as
:class:`~.tables.TableView` s (so the exports hold what the screen shows); the next deadline.

Everything here reads the application layer's :class:`~peakguard.app.case_views.CaseView`;
nothing decides who may see what (the application layer did).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar
from urllib.parse import quote

from peakguard.app.case_views import CaseView, ClockView
from peakguard.bulletin.assemble import region_name
from peakguard.cases.clock_labels import RULE_LABELS
from peakguard.cases.clocks import Basis, basis_name
from peakguard.cases.model import (
    Action,
    CaseKind,
    Category,
    Intake,
    Need,
    RejectionReason,
    label,
    state_label,
)
from peakguard.domain.carriers import KNOWN_CARRIERS, known_carrier
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.web.pages.tables import Column, TableView, Value

E = TypeVar("E", bound=StrEnum)

CASES = "/app/cases"
OUTCOME_LABELS: dict[str, Message] = {
    "running": _("running"),
    "unscheduled": _("no deadline yet: the year's holiday notice is not loaded"),
    "paused": _("paused"),
    "met": _("met"),
    "breached": _("breached"),
    "cancelled": _("cancelled"),
}
OPEN_OUTCOMES = frozenset({"running", "paused", "unscheduled"})


def case_path(reference: str) -> str:
    """The page of case ``reference``."""
    return f"{CASES}/{quote(reference, safe='')}"


def _word(enumeration: type[E], value: str | None, language: str) -> str:
    """``value`` of ``enumeration`` in words (as stored, when it is not one of its values)."""
    if value is None:
        return ""
    try:
        return render(label(enumeration(value)), language)  # type: ignore[arg-type]
    except ValueError:
        return value


def kind_text(kind: str, language: str) -> str:
    return _word(CaseKind, kind, language)


def state_text(kind: str, state: str, language: str) -> str:
    try:
        return render(state_label(CaseKind(kind), state), language)
    except (ValueError, InvalidInputError):
        return state


def category_text(category: str | None, language: str) -> str:
    return _word(Category, category, language)


def channel_text(channel: str, language: str) -> str:
    return _word(Intake, channel, language)


def action_text(action: str, language: str) -> str:
    return _word(Action, action, language)


def need_text(need: str, language: str) -> str:
    return _word(Need, need, language)


def reason_text(reason: str | None, language: str) -> str:
    return _word(RejectionReason, reason, language)


def rule_text(key: str, language: str) -> str:
    known = RULE_LABELS.get(key)
    return render(known, language) if known is not None else key


def basis_text(basis: str, language: str) -> str:
    try:
        return render(basis_name(Basis(basis)), language)
    except ValueError:
        return basis


def outcome_text(outcome: str, language: str) -> str:
    known = OUTCOME_LABELS.get(outcome)
    return render(known, language) if known is not None else outcome


def carrier_text(code: str, language: str) -> str:
    """The brand's name in ``language`` (its code when it is not a known brand)."""
    carrier = known_carrier(code)
    if carrier is None:
        return code
    return (carrier.name_en or carrier.name) if language == "en" else carrier.name


def region_text(code: str) -> str:
    """``武侯区 (510107)``: the division's name and its GB/T 2260 code."""
    name = region_name(code)
    return f"{name} ({code})" if name else code


def china_time(moment: datetime | None) -> str:
    """A moment as China time to the minute ("" for none)."""
    if moment is None:
        return ""
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def last_day(clock: ClockView) -> date | None:
    """The last day a day-counted clock allows (its due moment is 00:00 China time of the day
    after); None for a clock in hours or without a deadline."""
    if clock.due_at is None or clock.basis == Basis.hours.value:
        return None
    return (clock.due_at.astimezone(CHINA_STANDARD_TIME) - timedelta(microseconds=1)).date()


def is_open(clock: ClockView) -> bool:
    """Still counting: neither met, breached by a step, nor cancelled."""
    return clock.stopped_at is None and clock.outcome in OPEN_OUTCOMES


def is_overdue(clock: ClockView, now: datetime) -> bool:
    """Running past its deadline, whether or not the sweep has marked it yet (a step taken
    at the due moment itself is in time, so the due moment is not yet overdue)."""
    return is_open(clock) and clock.due_at is not None and now > clock.due_at


@dataclass(frozen=True)
class Deadline:
    """The earliest due moment among a case's running clocks."""

    clock: ClockView
    overdue: bool


def next_deadline(view: CaseView, now: datetime) -> Deadline | None:
    """The running clock due first (None when no clock with a deadline is running)."""
    running = [c for c in view.clocks if is_open(c) and c.due_at is not None]
    if not running:
        return None
    first = min(running, key=lambda clock: (clock.due_at, clock.id))
    return Deadline(first, is_overdue(first, now))


def overdue_mark(language: str) -> str:
    return render(_("OVERDUE"), language)


def _labelled(language: str) -> Callable[[Message], str]:
    def label_of(message: Message) -> str:
        return render(message, language)

    return label_of


def list_rows(cases: Sequence[CaseView], now: datetime, language: str) -> list[dict[str, Value]]:
    """The desk's rows: one per case, with its next deadline."""
    rows: list[dict[str, Value]] = []
    for case in cases:
        deadline = next_deadline(case, now)
        rows.append(
            {
                "reference": case.reference,
                "link": case_path(case.reference),
                "kind": kind_text(case.kind, language)
                + (" · " + render(_("emergency"), language) if case.emergency else ""),
                "state": state_text(case.kind, case.state, language),
                "carrier": carrier_text(case.carrier, language),
                "region": region_text(case.region),
                "category": category_text(case.category, language),
                "received": case.received_at,
                "due": deadline.clock.due_at if deadline else None,
                "rule": rule_text(deadline.clock.rule_key, language) if deadline else None,
                "basis": (
                    f"{deadline.clock.limit} {basis_text(deadline.clock.basis, language)}"
                    if deadline
                    else None
                ),
                "overdue": overdue_mark(language) if deadline and deadline.overdue else None,
            }
        )
    return rows


def list_table(cases: Sequence[CaseView], now: datetime, language: str, note: str) -> TableView:
    """The desk's list as a table (and its exports)."""
    label_of = _labelled(language)
    return TableView(
        key="cases",
        title=label_of(_("Cases")),
        columns=(
            Column("reference", label_of(_("Reference")), link="link"),
            Column("kind", label_of(_("Kind"))),
            Column("state", label_of(_("State"))),
            Column("carrier", label_of(_("Carrier"))),
            Column("region", label_of(_("Region"))),
            Column("category", label_of(_("Category"))),
            Column("received", label_of(_("Received (China time)"))),
            Column("due", label_of(_("Next deadline (China time)"))),
            Column("rule", label_of(_("Clock"))),
            Column("basis", label_of(_("Limit"))),
            Column("overdue", label_of(_("Overdue"))),
        ),
        rows=list_rows(cases, now, language),
        empty=label_of(_("No case within your reach matches these filters.")),
        note=note,
        filename="cases",
    )


def clock_table(view: CaseView, now: datetime, language: str) -> TableView:
    """Every clock of the case: its rule, limit and basis, due moment, last day, outcome, start
    and stop, source and counting convention."""
    label_of = _labelled(language)
    rows: list[dict[str, Value]] = []
    for clock in sorted(view.clocks, key=lambda c: (c.started_at, c.id)):
        outcome = outcome_text(clock.outcome, language)
        if is_overdue(clock, now):
            outcome = f"{outcome} · {overdue_mark(language)}"
        elif clock.breached_at is not None and clock.outcome != "breached":
            outcome = f"{outcome} · {render(_('breached'), language)}"
        if clock.reason:
            outcome = f"{outcome} ({clock.reason})"
        rows.append(
            {
                "rule": f"{rule_text(clock.rule_key, language)} ({clock.rule_key})",
                "limit": f"{clock.limit} {basis_text(clock.basis, language)}",
                "source": clock.source,
                "convention": render(clock.convention, language) if clock.convention else "",
                "started": clock.started_at,
                "due": clock.due_at,
                "last_day": last_day(clock),
                "outcome": outcome,
                "stopped": clock.stopped_at,
            }
        )
    return TableView(
        key="clocks",
        title=label_of(_("Clocks")),
        # What a desk looks for first (the due moment and outcome) before the long citation
        # and the counting sentence, which a narrow screen scrolls to.
        columns=(
            Column("rule", label_of(_("Clock"))),
            Column("limit", label_of(_("Limit and basis"))),
            Column("due", label_of(_("Due (China time)"))),
            Column("last_day", label_of(_("Last day"))),
            Column("outcome", label_of(_("Outcome"))),
            Column("started", label_of(_("Started (China time)"))),
            Column("stopped", label_of(_("Stopped (China time)"))),
            Column("source", label_of(_("Source"))),
            Column("convention", label_of(_("How it is counted"))),
        ),
        rows=rows,
        empty=label_of(_("This case has no clock.")),
        note=label_of(
            _(
                "A deadline is the end of its last day, China time: a due moment at 00:00 is "
                "the end of the day before. A step taken by the due moment is in time."
            )
        ),
        filename=f"{view.reference}-clocks",
    )


def history_table(view: CaseView, language: str) -> TableView:
    """The case's steps, oldest first, with who took them and when."""
    label_of = _labelled(language)
    rows: list[dict[str, Value]] = [
        {
            "at": item.at,
            "action": render(_("opened"), language)
            if item.action == "open"
            else action_text(item.action, language),
            "from": state_text(view.kind, item.source_state, language) if item.source_state else "",
            "to": state_text(view.kind, item.target_state, language),
            "actor": item.actor,
            "organisation": item.organisation,
            "note": item.note,
        }
        for item in sorted(view.steps, key=lambda s: s.seq)
    ]
    return TableView(
        key="history",
        title=label_of(_("History")),
        columns=(
            Column("at", label_of(_("When (China time)"))),
            Column("action", label_of(_("Step"))),
            Column("from", label_of(_("From"))),
            Column("to", label_of(_("To"))),
            Column("actor", label_of(_("By"))),
            Column("organisation", label_of(_("Organisation"))),
            Column("note", label_of(_("Note"))),
        ),
        rows=rows,
        empty=label_of(_("No step recorded yet.")),
        filename=f"{view.reference}-history",
    )


def evidence_table(view: CaseView, language: str) -> TableView:
    """The evidence files kept with the case (by content hash)."""
    label_of = _labelled(language)
    rows: list[dict[str, Value]] = [
        {
            "file": item.file_name,
            "type": item.media_type,
            "size": item.size,
            "sha256": item.sha256,
            "by": item.added_by,
            "at": item.added_at,
        }
        for item in view.evidence
    ]
    return TableView(
        key="evidence",
        title=label_of(_("Evidence")),
        columns=(
            Column("file", label_of(_("File"))),
            Column("type", label_of(_("Type"))),
            Column("size", label_of(_("Size (bytes)")), digits=0),
            Column("sha256", label_of(_("SHA-256"))),
            Column("by", label_of(_("Added by"))),
            Column("at", label_of(_("Added (China time)"))),
        ),
        rows=rows,
        empty=label_of(_("No evidence file is kept with this case.")),
        filename=f"{view.reference}-evidence",
    )


def facts(view: CaseView, language: str) -> list[tuple[str, str]]:
    """The case's facts as (label, value) lines, those without a value left out."""
    label_of = _labelled(language)
    finding = ""
    if view.finding_valid is not None:
        finding = (
            label_of(
                _(
                    "valid: the carrier bears responsibility for {category}",
                    category=category_text(view.finding_category, language),
                )
            )
            if view.finding_valid
            else label_of(_("not valid: the carrier bears no service-quality responsibility"))
        )
    lines = [
        (_("Reference"), view.reference),
        (_("Kind"), kind_text(view.kind, language)),
        (
            _("Emergency work order"),
            label_of(_("yes: shorter clocks and a mandatory call-back")) if view.emergency else "",
        ),
        (_("State"), state_text(view.kind, view.state, language)),
        (_("Carrier"), f"{carrier_text(view.carrier, language)} ({view.carrier})"),
        (_("Forwarded to"), view.carrier_organisation or ""),
        (_("Region"), region_text(view.region)),
        (_("Channel"), channel_text(view.channel, language)),
        (_("Category"), category_text(view.category, language)),
        (_("Waybill"), view.waybill or ""),
        (_("Received (China time)"), china_time(view.received_at)),
        (_("Day of the dispute"), view.dispute_on.isoformat() if view.dispute_on else ""),
        (_("Follows the complaint"), view.linked_reference or ""),
        (_("What the user says"), view.summary),
        (_("Answer"), view.answer or ""),
        (_("Rejected because"), reason_text(view.rejection_reason, language)),
        (_("Finding"), finding),
        (_("Call-back"), view.call_back_result or ""),
        (_("Closed (China time)"), china_time(view.closed_at)),
        (_("Records kept until"), china_time(view.retention_until)),
    ]
    return [(label_of(name), value) for name, value in lines if value]


# --- what the caller may choose -------------------------------------------------------------


def carrier_choices(caller: Principal, language: str) -> list[tuple[str, str]]:
    """The brands a filter offers: the caller's own, or every known brand."""
    own = caller.organisation.carrier
    if own:
        return [(own, carrier_text(own, language))]
    return [(c.code, carrier_text(c.code, language)) for c in KNOWN_CARRIERS]


def recordable(caller: Principal) -> tuple[CaseKind, ...]:
    """What the caller records: a carrier its complaints, a postal administration appeals."""
    if not caller.may(Permission.case_handle):
        return ()
    kind = caller.organisation.kind
    if kind is OrganisationKind.carrier:
        return (CaseKind.complaint,)
    if kind is OrganisationKind.regulator:
        return (CaseKind.appeal,)
    if kind is OrganisationKind.system:
        return (CaseKind.appeal, CaseKind.complaint)
    return ()


def record_label(kind: CaseKind, language: str) -> str:
    if kind is CaseKind.complaint:
        return render(_("Record a complaint"), language)
    return render(_("Record an appeal"), language)
