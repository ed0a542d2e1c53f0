"""Passes and white lists (seed 004, 关键要素 1): what lets a vehicle, a person or a site work
inside a controlled area.

Three registers, one shape: a **vehicle pass** (车辆通行证) names a plate, a **white list entry**
(人员白名单) names a person, a **site permit** (场地作业许可) names a site (a transfer station's
place code). Each is issued by an authority (``issuer``) for a GB/T 2260 region — a pass for a
city covers every district under it (:func:`peakguard.cases.controlled.code_prefix`) — and is
valid from ``valid_from`` to ``valid_until``, both days included (China time).

A person is kept as the carrier's own staff reference (``holder``: a staff number, never an
ID number or phone) and the masked ID number the authority's list carries
(:func:`peakguard.cases.real_name.mask_id`, last four characters only); nothing else about
the person is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from peakguard.cases.controlled import code_prefix
from peakguard.cases.real_name import mask_id
from peakguard.i18n import Message, _

EXPIRING_DAYS = 2
"""A pass that ends within this many days of today is listed as expiring soon."""


class PassKind(StrEnum):
    """The three registers of seed 004."""

    vehicle = "vehicle"
    """车辆通行证: a vehicle (by plate) may enter and work in the area."""
    person = "person"
    """人员白名单: a person (a driver, a handler) may be at work in the area."""
    site = "site"
    """场地作业许可: a site (a transfer station) may operate in the area."""


@dataclass(frozen=True)
class Pass:
    """One entry of a register: ``holder`` (a plate, a staff reference or a site code) of kind
    ``kind`` may work in ``region`` (and the codes under it) from ``valid_from`` to
    ``valid_until`` inclusive, as ``issuer`` granted. ``masked_id`` is a person's masked ID
    number (empty for vehicles and sites)."""

    kind: PassKind
    holder: str
    region: str
    valid_from: date
    valid_until: date
    issuer: str
    masked_id: str = ""

    def covers(self, region: str) -> bool:
        """Whether the pass's region is ``region`` or contains it."""
        return region.startswith(code_prefix(self.region))

    def valid_on(self, region: str, day: date) -> bool:
        """Whether the pass lets its holder work in ``region`` on ``day``."""
        return self.covers(region) and self.valid_from <= day <= self.valid_until


def person_entry(
    holder: str,
    id_number: str,
    region: str,
    valid_from: date,
    valid_until: date,
    issuer: str,
) -> Pass:
    """A white list entry keeping ``id_number`` masked only (the full number is never kept)."""
    masked = mask_id(id_number)
    return Pass(PassKind.person, holder, region, valid_from, valid_until, issuer, masked)


def normalise_plate(plate: str) -> str:
    """A plate as registers compare it: no spaces or dots, upper case (``沪A·12345`` →
    ``沪A12345``)."""
    return "".join(plate.split()).replace("·", "").replace(".", "").upper()


def holder_key(kind: PassKind, holder: str) -> str:
    """``holder`` as compared within its register (plates normalised, others trimmed)."""
    return normalise_plate(holder) if kind is PassKind.vehicle else holder.strip()


def valid_pass(
    passes: Iterable[Pass], kind: PassKind, holder: str, region: str, day: date
) -> Pass | None:
    """A pass of ``kind`` for ``holder`` valid in ``region`` on ``day``, if any."""
    key = holder_key(kind, holder)
    for entry in passes:
        if (
            entry.kind is kind
            and holder_key(kind, entry.holder) == key
            and entry.valid_on(region, day)
        ):
            return entry
    return None


def why_not(passes: Iterable[Pass], kind: PassKind, holder: str, region: str, day: date) -> Message:
    """Why ``holder`` has no valid pass of ``kind``: none at all, none for the area, expired,
    not yet valid — as one sentence naming the holder."""
    key = holder_key(kind, holder)
    own = [p for p in passes if p.kind is kind and holder_key(kind, p.holder) == key]
    label = {
        PassKind.vehicle: _("Vehicle {holder}", holder=holder),
        PassKind.person: _("Person {holder}", holder=holder),
        PassKind.site: _("Site {holder}", holder=holder),
    }[kind]
    register = {
        PassKind.vehicle: _("vehicle pass (车辆通行证)"),
        PassKind.person: _("white list entry (人员白名单)"),
        PassKind.site: _("site permit (场地作业许可)"),
    }[kind]
    if not own:
        return _("{who} has no {register}.", who=label, register=register)
    in_area = [p for p in own if p.covers(region)]
    if not in_area:
        regions = ", ".join(sorted({p.region for p in own}))
        return _(
            "{who}'s {register} is for {regions}, not for area {area}.",
            who=label,
            register=register,
            regions=regions,
            area=region,
        )
    ended = [p for p in in_area if p.valid_until < day]
    if ended and all(p.valid_until < day for p in in_area):
        last = max(p.valid_until for p in ended)
        return _(
            "{who}'s {register} expired on {until}.",
            who=label,
            register=register,
            until=last.isoformat(),
        )
    first = min(p.valid_from for p in in_area if p.valid_from > day)
    return _(
        "{who}'s {register} is valid only from {start}.",
        who=label,
        register=register,
        start=first.isoformat(),
    )


def missing(
    passes: Iterable[Pass],
    region: str,
    day: date,
    *,
    vehicle: str | None = None,
    driver: str | None = None,
    site: str | None = None,
) -> tuple[Message, ...]:
    """What ``vehicle`` (a plate), ``driver`` (a staff reference) and ``site`` (a site code)
    lack to work in ``region`` on ``day``, one sentence each; empty when all are valid."""
    register = tuple(passes)
    wanted = ((PassKind.vehicle, vehicle), (PassKind.person, driver), (PassKind.site, site))
    return tuple(
        why_not(register, kind, holder, region, day)
        for kind, holder in wanted
        if holder is not None and valid_pass(register, kind, holder, region, day) is None
    )


def expiring_first(passes: Iterable[Pass], today: date) -> list[Pass]:
    """The registers as a page lists them: passes still valid or to come, those ending soonest
    first, then the expired ones, latest ended first."""
    current = sorted(
        (p for p in passes if p.valid_until >= today), key=lambda p: (p.valid_until, p.holder)
    )
    ended = sorted(
        (p for p in passes if p.valid_until < today), key=lambda p: (p.valid_until, p.holder)
    )
    return current + ended[::-1]


def expiring_soon(entry: Pass, today: date) -> bool:
    """Whether ``entry`` is valid today and ends within :data:`EXPIRING_DAYS` days."""
    return entry.valid_from <= today <= entry.valid_until and (
        (entry.valid_until - today).days <= EXPIRING_DAYS
    )
