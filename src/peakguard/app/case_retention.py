"""The retention sweep: a closed case's complainant data is removed once the case has been
kept for its retention period (appeal records: at least three years after closing, 邮政业用户
申诉处理办法), and the sweep says which cases it cleared. The case itself — its facts, steps,
clocks and finding — stays: the rates and the audit trail still need them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from peakguard.app.access import require
from peakguard.app.audit import record_in
from peakguard.identity.model import Permission, Principal
from peakguard.store.cases import cases_past_retention, remove_personal_data
from peakguard.store.database import Store, transaction


@dataclass(frozen=True)
class RetentionReport:
    """The cases whose complainant data this sweep removed."""

    removed: tuple[str, ...]


def remove_expired_personal_data(
    store: Store, *, actor: Principal, now: datetime | None = None
) -> RetentionReport:
    """Remove the complainant's name, phone and address (and the phone's digest) of every
    case past its retention date; each removal audited, with no personal data in the entry."""
    require(actor, Permission.admin_manage)
    moment = now or datetime.now(UTC)
    removed: list[str] = []
    with transaction(store.sessions) as session:
        for case in cases_past_retention(session, moment):
            if remove_personal_data(session, case.id, moment):
                removed.append(case.reference)
                record_in(
                    session,
                    store,
                    actor,
                    "case.personal_data_removed",
                    "case",
                    case.reference,
                    detail={"retention_until": str(case.retention_until)},
                    at=moment,
                )
    return RetentionReport(tuple(removed))
