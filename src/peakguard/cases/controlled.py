"""Controlled areas (管控区域): where a closure stops the network's service for a while. A
complaint about a parcel bound there is an emergency work order (应急工单, seed 004) with its
own shorter clocks and a mandatory call-back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ControlledArea:
    """The GB/T 2260 region ``region`` (and everything under it) from ``start`` to ``end``
    (aware moments), declared by ``source`` (a scenario's closure, an incident)."""

    region: str
    start: datetime
    end: datetime
    source: str

    def covers(self, region: str, moment: datetime) -> bool:
        """Whether ``region`` lies inside the area while it is controlled at ``moment``."""
        return region.startswith(code_prefix(self.region)) and self.start <= moment < self.end


def code_prefix(code: str) -> str:
    """The leading digits a code inside ``code`` starts with (510000 → 51, 510100 → 5101)."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def controlling(
    areas: Iterable[ControlledArea], region: str, moment: datetime
) -> ControlledArea | None:
    """The first area that controls ``region`` at ``moment``, if any."""
    for area in areas:
        if area.covers(region, moment):
            return area
    return None
