"""The pass registers (车辆通行证, 人员白名单, 场地作业许可; seed 004 关键要素 1): recording a pass
(``supply.operate``, for the actor's own brand), revoking it, listing the registers and checking
what a vehicle, a driver and a site lack on a day (``supply.read``: a regulator its territory,
a carrier its brand). Every change is in the audit trail; a person is kept by staff reference
and masked ID number only."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import Message, _
from peakguard.identity.model import Permission, Principal
from peakguard.store import passes as stored
from peakguard.store.database import Store, transaction
from peakguard.store.passes import PassRecord
from peakguard.supply.passes import (
    Pass,
    PassKind,
    expiring_first,
    holder_key,
    missing,
    person_entry,
)

__all__ = [
    "PassDraft",
    "PassRecord",
    "check_passes",
    "get_pass",
    "list_passes",
    "record_pass",
    "revoke_pass",
]
REGION = re.compile(r"^[0-9]{6}$")
"""Six ASCII digits (``\\d`` would take full-width ones)."""


def _unprintable(text: str) -> bool:
    """Whether ``text`` holds a control or invisible formatting character (NUL, an escape, a
    bidi override)."""
    return any(unicodedata.category(character) in {"Cc", "Cf"} for character in text)


@dataclass(frozen=True)
class PassDraft:
    """A pass as a user enters it; ``id_number`` (persons only) is masked before it is kept."""

    kind: PassKind
    holder: str
    region: str
    valid_from: date
    valid_until: date
    issuer: str
    id_number: str = ""

    def checked(self) -> Pass:
        problems = []
        if not self.holder.strip() or len(self.holder.strip()) > 40 or _unprintable(self.holder):
            problems.append(
                Problem(
                    "holder", _("Give the plate, staff reference or site code (1–40 characters).")
                )
            )
        if not REGION.fullmatch(self.region):
            problems.append(Problem("region", _("Give the area as a six-digit GB/T 2260 code.")))
        if self.valid_until < self.valid_from:
            problems.append(Problem("valid_until", _("A pass cannot end before it starts.")))
        if not self.issuer.strip() or _unprintable(self.issuer) or len(self.issuer) > 200:
            problems.append(Problem("issuer", _("Name the authority that issued the pass.")))
        if self.kind is PassKind.person and not self.id_number.strip():
            problems.append(
                Problem(
                    "id_number", _("A white list entry needs the person's ID number (kept masked).")
                )
            )
        if problems:
            raise InvalidInputError(_("The pass cannot be recorded."), problems)
        holder = holder_key(self.kind, self.holder)
        if self.kind is PassKind.person:
            return person_entry(
                holder,
                self.id_number,
                self.region,
                self.valid_from,
                self.valid_until,
                self.issuer.strip(),
            )
        return Pass(
            self.kind, holder, self.region, self.valid_from, self.valid_until, self.issuer.strip()
        )


def _own(actor: Principal, carrier: str, region: str) -> None:
    if not reach(actor).covers(carrier, region):
        raise ForbiddenError(
            _(
                "{who} may record passes only for its own brand and territory, not for "
                "{carrier} in {region}.",
                who=actor.label(),
                carrier=carrier,
                region=region,
            )
        )


def _not_found(pass_id: int) -> NotFoundError:
    return NotFoundError(_("No pass {id} is within your reach.", id=pass_id))


def record_pass(
    store: Store, actor: Principal, *, carrier: str, draft: PassDraft, now: datetime | None = None
) -> PassRecord:
    """Record a pass of ``carrier`` (the actor's own brand)."""
    require(actor, Permission.supply_operate)
    entry = draft.checked()
    _own(actor, carrier, entry.region)
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        saved = stored.insert_pass(session, carrier, entry, by=actor.label(), at=moment)
        record_in(
            session,
            store,
            actor,
            "pass.record",
            "supply_pass",
            str(saved.id),
            detail={
                "kind": entry.kind.value,
                "region": entry.region,
                "until": entry.valid_until.isoformat(),
            },
            at=moment,
        )
    return saved


def revoke_pass(
    store: Store, actor: Principal, pass_id: int, *, reason: str, now: datetime | None = None
) -> PassRecord:
    """Revoke a pass (it stays in the register, marked revoked, with who and why)."""
    require(actor, Permission.supply_operate)
    if not reason.strip():
        raise InvalidInputError(
            _("Say why the pass is revoked."), [Problem("reason", _("Give a reason."))]
        )
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        found = stored.load_pass(session, pass_id)
        if found is None or not reach(actor).covers(found.carrier, found.entry.region):
            raise _not_found(pass_id)
        _own(actor, found.carrier, found.entry.region)
        stored.revoke_pass(session, pass_id, by=actor.label(), at=moment, reason=reason.strip())
        record_in(session, store, actor, "pass.revoke", "supply_pass", str(pass_id), at=moment)
        revoked = stored.load_pass(session, pass_id)
    assert revoked is not None
    return revoked


def get_pass(store: Store, actor: Principal, pass_id: int) -> PassRecord:
    require(actor, Permission.supply_read)
    with transaction(store.sessions) as session:
        found = stored.load_pass(session, pass_id)
    if found is None or not reach(actor).covers(found.carrier, found.entry.region):
        raise _not_found(pass_id)
    return found


def list_passes(
    store: Store,
    actor: Principal,
    *,
    kind: PassKind | None = None,
    on: date | None = None,
    include_revoked: bool = False,
    today: date | None = None,
) -> list[PassRecord]:
    """The registers within the actor's reach, those ending soonest first, expired ones last."""
    require(actor, Permission.supply_read)
    scope = reach(actor)
    if scope.nothing:
        return []
    with transaction(store.sessions) as session:
        found = stored.query_passes(
            session,
            carrier=None if scope.everything else scope.carrier,
            region_prefix="" if scope.everything else scope.prefix,
            kind=kind,
            on=on,
            include_revoked=include_revoked,
        )
    ranked = expiring_first([p.entry for p in found], today or datetime.now(UTC).date())
    by_entry = {id(p.entry): p for p in found}
    return [by_entry[id(entry)] for entry in ranked]


def check_passes(
    store: Store,
    actor: Principal,
    *,
    carrier: str,
    region: str,
    day: date,
    vehicle: str | None = None,
    driver: str | None = None,
    site: str | None = None,
) -> tuple[Message, ...]:
    """What ``vehicle``, ``driver`` and ``site`` lack to work in ``region`` on ``day`` (empty:
    nothing), against ``carrier``'s registers."""
    require(actor, Permission.supply_read)
    if not reach(actor).covers(carrier, region):
        raise NotFoundError(
            _(
                "No registers of {carrier} for {region} are within your reach.",
                carrier=carrier,
                region=region,
            )
        )
    with transaction(store.sessions) as session:
        found = stored.query_passes(session, carrier=carrier)
    return missing([p.entry for p in found], region, day, vehicle=vehicle, driver=driver, site=site)
