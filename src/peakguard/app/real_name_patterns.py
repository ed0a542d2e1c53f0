"""The suspicious patterns (虚假实名) an intake reveals, raised as flags inside its transaction
(the rules and the thresholds: :mod:`peakguard.cases.real_name_flags`).

Counted per carrier: one ID's parcels, outlets and accepting employees on each China day an
intake touched, and over the sliding window ending that day. A pattern is flagged once (a
unique key per kind, carrier, ID hash and day; a window flag not again while an earlier one's
window overlaps), so two intakes at once, or one sent twice, raise it once. Each flag raised is
an audit entry (its kind and counts; never an ID).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from peakguard.app.audit import record_in
from peakguard.cases.real_name_flags import (
    Counts,
    FlagKind,
    FlagState,
    PatternThresholds,
    employee_flagged,
    volume_kinds,
)
from peakguard.identity.model import Principal
from peakguard.store.database import Store
from peakguard.store.real_name import (
    DayCount,
    accepted_by_count,
    day_counts,
    employee_codes,
    entry_regions,
    insert_flag_once,
    recent_window_flag,
)

Key = tuple[str, str]
"""(carrier, ID hash)."""


def detect_in(
    session: Session,
    store: Store,
    actor: Principal,
    added: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    thresholds: PatternThresholds,
    now: datetime,
) -> int:
    """Flag the patterns of the entries just ``added`` (id, column values); how many flags."""
    raised = 0
    for entry_id, values in added:
        if values["id_problem"] is not None:
            raised += _raise(
                session,
                store,
                actor,
                now,
                key=f"invalid_id:{entry_id}",
                kind=FlagKind.invalid_id,
                carrier=str(values["carrier"]),
                region=str(values["region"]),
                id_hash=str(values["id_hash"]),
                entry_id=entry_id,
                day=values["accepted_day"],
                figures={"problem_" + str(values["id_problem"]): 1},
            )
    days: dict[Key, set[date]] = {}
    for _entry_id, values in added:
        key = (str(values["carrier"]), str(values["id_hash"]))
        days.setdefault(key, set()).add(values["accepted_day"])
    individuals = {
        (str(v["carrier"]), str(v["id_hash"]))
        for _i, v in added
        if v["sender_kind"] == "individual"
    }
    raised += _volumes(session, store, actor, days, individuals, thresholds, now)
    raised += detect_employees_in(session, store, actor, days, thresholds=thresholds, now=now)
    return raised


def _volumes(
    session: Session,
    store: Store,
    actor: Principal,
    days: Mapping[Key, set[date]],
    individuals: set[Key],
    thresholds: PatternThresholds,
    now: datetime,
) -> int:
    keys = [key for key in days if key in individuals]
    if not keys:
        return 0
    counted = _counted(session, keys, days, thresholds)
    regions = entry_regions(session, [c.first_entry for c in counted.values()])
    raised = 0
    for (carrier, digest, day), count in sorted(counted.items()):
        if day not in days[(carrier, digest)]:
            continue
        counts = _counts(counted, carrier, digest, day, thresholds)
        for kind in volume_kinds(counts, thresholds):
            if kind is FlagKind.volume_window and recent_window_flag(
                session, carrier, digest, day - timedelta(days=thresholds.window_days - 1), day
            ):
                continue
            raised += _raise(
                session,
                store,
                actor,
                now,
                key=f"{kind.value}:{carrier}:{digest}:{day.isoformat()}",
                kind=kind,
                carrier=carrier,
                region=regions.get(count.first_entry, ""),
                id_hash=digest,
                entry_id=count.first_entry,
                day=day,
                figures=_figures(counts, thresholds),
            )
    return raised


def _counted(
    session: Session,
    keys: Sequence[Key],
    days: Mapping[Key, set[date]],
    thresholds: PatternThresholds,
) -> dict[tuple[str, str, date], DayCount]:
    first = min(min(days[key]) for key in keys) - timedelta(days=thresholds.window_days - 1)
    last = max(max(days[key]) for key in keys)
    return {(c.carrier, c.id_hash, c.day): c for c in day_counts(session, keys, first, last)}


def _counts(
    counted: Mapping[tuple[str, str, date], DayCount],
    carrier: str,
    digest: str,
    day: date,
    thresholds: PatternThresholds,
    self_accepted: int = 0,
) -> Counts:
    today = counted[(carrier, digest, day)]
    window = sum(
        found.parcels
        for offset in range(thresholds.window_days)
        if (found := counted.get((carrier, digest, day - timedelta(days=offset)))) is not None
    )
    return Counts(today.parcels, window, today.outlets, today.employees, self_accepted)


def _figures(counts: Counts, thresholds: PatternThresholds) -> dict[str, int]:
    return {
        "day_parcels": counts.day_parcels,
        "window_parcels": counts.window_parcels,
        "outlets": counts.outlets,
        "employees": counts.employees,
        "self_accepted": counts.self_accepted,
        "per_day": thresholds.per_day,
        "per_window": thresholds.per_window,
        "window_days": thresholds.window_days,
        "outlets_per_day": thresholds.outlets_per_day,
        "employee_parcels_per_day": thresholds.employee_parcels_per_day,
    }


def detect_employees_in(
    session: Session,
    store: Store,
    actor: Principal,
    days: Mapping[Key, set[date]],
    *,
    thresholds: PatternThresholds,
    now: datetime,
) -> int:
    """Flag an employee's own ID on the days given (per carrier and ID hash)."""
    by_carrier: dict[str, list[str]] = {}
    for carrier, digest in days:
        by_carrier.setdefault(carrier, []).append(digest)
    raised = 0
    for carrier, digests in by_carrier.items():
        staff = employee_codes(session, carrier, digests)
        for digest, codes in sorted(staff.items()):
            key = (carrier, digest)
            counted = _counted(session, [key], days, thresholds)
            regions = entry_regions(session, [c.first_entry for c in counted.values()])
            for day in sorted(days[key]):
                if (carrier, digest, day) not in counted:
                    continue
                own = sum(accepted_by_count(session, carrier, digest, day, c) for c in codes)
                counts = _counts(counted, carrier, digest, day, thresholds, own)
                if not employee_flagged(counts, thresholds):
                    continue
                first = counted[(carrier, digest, day)].first_entry
                raised += _raise(
                    session,
                    store,
                    actor,
                    now,
                    key=f"employee_id:{carrier}:{digest}:{day.isoformat()}",
                    kind=FlagKind.employee_id,
                    carrier=carrier,
                    region=regions.get(first, ""),
                    id_hash=digest,
                    entry_id=first,
                    day=day,
                    figures=_figures(counts, thresholds),
                    employee_code=",".join(sorted(codes))[:64],
                )
    return raised


def _raise(
    session: Session,
    store: Store,
    actor: Principal,
    now: datetime,
    *,
    key: str,
    kind: FlagKind,
    carrier: str,
    region: str,
    id_hash: str,
    entry_id: int,
    day: date,
    figures: dict[str, int],
    employee_code: str | None = None,
) -> int:
    flag_id = insert_flag_once(
        session,
        {
            "flag_key": key,
            "kind": kind.value,
            "carrier": carrier,
            "region": region,
            "id_hash": id_hash,
            "entry_id": entry_id,
            "day": day,
            "employee_code": employee_code,
            "figures": figures,
            "state": FlagState.open.value,
            "version": 1,
            "raised_at": now,
        },
    )
    if flag_id is None:
        return 0
    record_in(
        session,
        store,
        actor,
        "realname.flag.raise",
        "realname_flag",
        str(flag_id),
        detail={"kind": kind.value, "carrier": carrier, "day": day.isoformat(), **figures},
        at=now,
    )
    return 1
