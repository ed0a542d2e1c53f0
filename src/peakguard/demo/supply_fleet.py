"""The demo's vehicles, people and permits for Ya'an's five days (seed 004's 关键要素 1: 车辆通行证,
人员白名单, 场地作业许可).

China Post Sichuan's two swap-body tractors haul the consolidation point's trailers to the
designated transfer stations; Ya'an's own four vans take the goods on inside. Every vehicle and
driver inside the controlled area needs a valid pass for that area and day; the transfer
stations and Ya'an's processing centre need a site permit. One van's pass was issued for the
first three days only and is not renewed in time: from 13 November the shuttle plan cannot use
that van and says so. Plates, names and pass numbers are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from peakguard.demo.static_control import CONTROL_DAYS, CONTROL_FIRST_DAY, CONTROLLED_CITY


@dataclass(frozen=True)
class Vehicle:
    """A vehicle of the operation: its plate, what it is, where it starts each day, what it
    carries and its regular driver (a staff number of :data:`STAFF`)."""

    plate: str
    kind: str
    """``swap_body`` (a tractor with a swap-body trailer) or ``van``."""
    depot: str
    """A place code: the consolidation point or a transfer station."""
    capacity_kg: float
    capacity_m3: float
    driver: str


VEHICLES: tuple[Vehicle, ...] = (
    Vehicle("川A·Y7101", "swap_body", "CP-QIONGLAI", 15000.0, 55.0, "SC-0101"),
    Vehicle("川A·Y7102", "swap_body", "CP-QIONGLAI", 15000.0, 55.0, "SC-0102"),
    Vehicle("川T·E0101", "van", "TS-YUCHENG", 2000.0, 16.0, "YA-0201"),
    Vehicle("川T·E0102", "van", "TS-YUCHENG", 2000.0, 16.0, "YA-0202"),
    Vehicle("川T·E0103", "van", "TS-MINGSHAN", 2000.0, 16.0, "YA-0203"),
    Vehicle("川T·E0104", "van", "TS-MINGSHAN", 2000.0, 16.0, "YA-0204"),
)

LAPSING_PLATE = "川T·E0104"
"""The van whose pass ends after the control's third day."""
LAPSING_DAYS = 3


@dataclass(frozen=True)
class StaffMember:
    """A person on the operation: a staff number (no ID number: the white list names people by
    their employer's number in the demo), a display name and a job."""

    number: str
    name: str
    job: str


STAFF: tuple[StaffMember, ...] = (
    StaffMember("SC-0101", "驾驶员 甲（演示）", "driver"),
    StaffMember("SC-0102", "驾驶员 乙（演示）", "driver"),
    StaffMember("YA-0201", "驾驶员 丙（演示）", "driver"),
    StaffMember("YA-0202", "驾驶员 丁（演示）", "driver"),
    StaffMember("YA-0203", "驾驶员 戊（演示）", "driver"),
    StaffMember("YA-0204", "驾驶员 己（演示）", "driver"),
    StaffMember("YA-0301", "装卸员 庚（演示）", "handler"),
    StaffMember("YA-0302", "装卸员 辛（演示）", "handler"),
)

SITES: tuple[str, ...] = ("TS-MINGSHAN", "TS-YUCHENG", "EMS-511800-HUB")
"""The sites inside the controlled area that need a site permit (场地作业许可): the two transfer
stations and Ya'an's processing centre (处理中心白名单)."""

ISSUER = "雅安市疫情防控指挥部交通保障组（演示）"


@dataclass(frozen=True)
class PassGrant:
    """One entry of a register: ``kind`` (``vehicle``, ``person``, ``site``) for ``holder``
    (a plate, a staff number, a site code) in ``area`` from ``first_day`` to ``last_day``
    inclusive, under ``number``."""

    kind: str
    holder: str
    area: str
    first_day: date
    last_day: date
    number: str
    issuer: str = ISSUER


def pass_grants(year: int) -> tuple[PassGrant, ...]:
    """Every pass, white-list entry and permit of the demo: the whole window, except the lapsing
    van's pass."""
    first = date(year, *CONTROL_FIRST_DAY)
    last = first + timedelta(days=CONTROL_DAYS - 1)
    grants: list[PassGrant] = []
    for index, vehicle in enumerate(VEHICLES, start=1):
        ends = first + timedelta(days=LAPSING_DAYS - 1) if vehicle.plate == LAPSING_PLATE else last
        grants.append(
            PassGrant(
                "vehicle",
                vehicle.plate,
                CONTROLLED_CITY,
                first,
                ends,
                f"雅防通〔{year}〕{index:03d}号",
            )
        )
    for index, person in enumerate(STAFF, start=1):
        grants.append(
            PassGrant(
                "person",
                person.number,
                CONTROLLED_CITY,
                first,
                last,
                f"雅防白〔{year}〕{index:03d}号",
            )
        )
    for index, site in enumerate(SITES, start=1):
        grants.append(
            PassGrant("site", site, CONTROLLED_CITY, first, last, f"雅防场〔{year}〕{index:03d}号")
        )
    return tuple(grants)
