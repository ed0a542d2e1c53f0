"""What the database holds of the demo season's security supervision, read back through the
areas' operations as the administrator who recorded it (:mod:`peakguard.app.demo_security`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from peakguard.app import holds, inspections, penalties, real_name, rectification, security
from peakguard.app.abnormal_outlets import abnormal_outlets
from peakguard.app.commitments import commitments
from peakguard.cases.holds import HoldState
from peakguard.cases.real_name_flags import kind_label
from peakguard.cases.rectification import OrderState, PenaltyState
from peakguard.demo.security_inspections import InspectionPlan
from peakguard.demo.security_season import LapsePolicy, RegisterScript
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Principal
from peakguard.store.database import Store

ORDER_STATE_LABELS: dict[str, Message] = {
    OrderState.issued.value: _("issued"),
    OrderState.extension_requested.value: _("extension asked"),
    OrderState.reported.value: _("reported, re-check awaited"),
    OrderState.closed.value: _("closed after the re-check"),
    OrderState.escalated.value: _("escalated to a penalty case"),
}
PENALTY_STATE_LABELS: dict[str, Message] = {
    PenaltyState.opened.value: _("penalty case opened"),
    PenaltyState.proposed.value: _("fine proposed"),
    PenaltyState.decided.value: _("decided"),
    PenaltyState.not_punished.value: _("not punished"),
}
LAPSE_LABELS: dict[str, Message] = {
    "sliding": _("real-name share sliding"),
    "skipped_days": _("X-ray skipped on some days"),
    "peak_days": _("open-box inspection skipped on peak days"),
}


@dataclass(frozen=True)
class DemoSecurity:
    """The season's security supervision as recorded."""

    policy: str
    """The lapse policy's label (a demo policy, not observed data)."""
    lapsing: tuple[tuple[str, str], ...]
    """``(kind, outlet)`` of each lapse the policy applied."""
    watch_day: date | None
    watch_list: tuple[str, ...]
    """The outlets the compliance watch list names (on the lake's latest day)."""
    register_entries: int
    flags: tuple[tuple[str, int], ...]
    """``(kind, flags)`` of the register's flags for review."""
    inspections: int
    findings: int
    orders: tuple[tuple[str, int], ...]
    """``(state, orders)`` for every order state held."""
    penalties: tuple[tuple[str, int], ...]
    hold: str | None
    """The stop-sort hold: its reference, waybill, violations and state."""
    abnormal: tuple[str, ...]
    commitments: tuple[str, ...]
    missing_commitments: tuple[str, ...]
    left_out: tuple[str, ...]
    """Brands with no company in the database (nothing recorded for them)."""
    numbers: frozenset[str] = field(default=frozenset(), repr=False)
    """Every full ID number and credit code this run registered (none when already recorded):
    for the personal-data scan; never printed."""
    already_recorded: bool = False

    def figures(self) -> list[tuple[Message, str]]:
        """The summary as labelled figures for the demo's printed output."""
        lapses = ", ".join(
            f"{render(LAPSE_LABELS[kind])} {outlet}" for kind, outlet in self.lapsing
        )
        states = _labelled(ORDER_STATE_LABELS, self.orders)
        flags = ", ".join(f"{render(kind_label(kind))} {count}" for kind, count in self.flags)
        rows: list[tuple[Message, str]] = [
            (_("Lapses (a demo policy over the accept flags)"), lapses),
            (
                _("Watch list for inspection ({day})", day=str(self.watch_day or "-")),
                ", ".join(self.watch_list) or "-",
            ),
            (_("Real-name register entries (synthetic IDs)"), f"{self.register_entries:,}"),
            (_("Register flags for review"), flags or "-"),
            (_("Inspections (findings)"), f"{self.inspections} ({self.findings})"),
            (_("Rectification orders by state"), states),
            (_("Penalty cases"), _labelled(PENALTY_STATE_LABELS, self.penalties)),
            (_("Stop-sort hold"), self.hold or "-"),
        ]
        if self.abnormal:
            rows.append((_("Outlets in abnormal operation"), ", ".join(self.abnormal)))
        if self.commitments or self.missing_commitments:
            rows.append(
                (
                    _("Commitment letters signed (missing)"),
                    f"{', '.join(self.commitments) or '-'} "
                    f"({', '.join(self.missing_commitments) or '-'})",
                )
            )
        if self.left_out:
            rows.append((_("Carriers left out (no company)"), ", ".join(self.left_out)))
        if self.already_recorded:
            rows.append((_("Recorded by an earlier run of the demo"), render(_("yes"))))
        return rows


def security_summary(
    store: Store,
    actor: Principal,
    lake: Path,
    policy: LapsePolicy,
    plan: InspectionPlan,
    register: RegisterScript | None,
    left: tuple[str, ...],
    *,
    season: str,
    already: bool = False,
) -> DemoSecurity:
    """What the database holds, read as ``actor`` (an administrator); ``season``: the
    commitment letters' season (its year)."""
    missing = {plan.missing_commitment} if plan.missing_commitment else set()
    watch = security.watchlist(lake, actor=actor)
    entries = real_name.search_register(store, actor, limit=1).total
    flags: Counter[str] = Counter()
    offset = 0
    while True:
        page = real_name.list_flags(store, actor, offset=offset, limit=500)
        flags.update(flag.kind for flag in page.flags)
        offset += len(page.flags)
        if not page.flags or offset >= page.total:
            break
    found = inspections.list_inspections(store, actor, limit=1000)
    findings = sum(
        len(inspections.get_inspection(store, actor, record.id).findings) for record in found
    )
    orders = Counter(line.order.state for line in rectification.list_orders(store, actor=actor))
    cases = Counter(view.penalty.state for view in penalties.list_penalties(store, actor=actor))
    letters = [
        c
        for c in commitments(store, actor, season=season)
        if c.carrier in {letter.carrier for letter in plan.commitments} | missing
    ]
    return DemoSecurity(
        policy=policy.label,
        lapsing=tuple((lapse.kind, lapse.outlet) for lapse in policy.lapses),
        watch_day=watch.day,
        watch_list=tuple(entry.outlet.outlet_id for entry in watch.entries),
        register_entries=entries,
        flags=tuple(sorted(flags.items())),
        inspections=len(found),
        findings=findings,
        orders=tuple((state.value, orders[state.value]) for state in OrderState if orders[state]),
        penalties=tuple(sorted(cases.items())),
        hold=_hold(store, actor),
        abnormal=tuple(
            record.node_id or record.outlet for record in abnormal_outlets(store, actor)
        ),
        commitments=tuple(sorted(c.carrier for c in letters if c.letters)),
        missing_commitments=tuple(sorted(c.carrier for c in letters if not c.letters)),
        left_out=left,
        numbers=register.numbers() if register is not None else frozenset(),
        already_recorded=already,
    )


def _labelled(labels: dict[str, Message], counts: tuple[tuple[str, int], ...]) -> str:
    return (
        ", ".join(f"{render(labels.get(key, _('other')))} {count}" for key, count in counts) or "-"
    )


def _hold(store: Store, actor: Principal) -> str | None:
    lines = holds.list_holds(store, actor, limit=10)
    if not lines:
        return None
    line = lines[-1]
    state = _("released") if line.hold.state != HoldState.held.value else _("in force")
    return render(
        _(
            "HOLD-{id} at {node} ({carrier}): {waybills} waybill(s), {violations} scan(s) "
            "after the hold flagged as violations, {state}",
            id=line.hold.id,
            node=line.hold.node_id,
            carrier=line.hold.carrier,
            waybills=line.waybills,
            violations=line.violations,
            state=render(state),
        )
    )
