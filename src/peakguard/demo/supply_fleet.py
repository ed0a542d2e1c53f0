"""The demo's vehicles, people and permits for Ya'an's five days (seed 004's 关键要素 1: 车辆通行证,
人员白名单, 场地作业许可).

China Post Sichuan's two swap-body tractors haul the consolidation point's trailers to the
designated transfer stations; Ya'an's own four trucks take the goods on inside. Every vehicle and
driver inside the controlled area needs a valid pass for that area and day; the transfer
stations and Ya'an's processing centre need a site permit. One truck's pass was issued for
the first three days only and is not renewed in time: from 13 November the shuttle plan cannot
use that truck and says so. Plates, names, ID numbers and pass numbers are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from peakguard.demo.security_people import resident_id
from peakguard.demo.static_control import CONTROL_DAYS, CONTROL_FIRST_DAY, CONTROLLED_CITY
from peakguard.optimize.shuttle_model import Leg, Vehicle

VEHICLES: tuple[Vehicle, ...] = (
    Vehicle("SC-T1", "川A·Y7101", "SC-0101", Leg.trunk, "CP-QIONGLAI", 1500, 15000.0, 3),
    Vehicle("SC-T2", "川A·Y7102", "SC-0102", Leg.trunk, "CP-QIONGLAI", 1500, 15000.0, 3),
    Vehicle("YA-V1", "川T·E0101", "YA-0201", Leg.inner, "TS-YUCHENG", 400, 8000.0, 4),
    Vehicle("YA-V2", "川T·E0102", "YA-0202", Leg.inner, "TS-YUCHENG", 400, 8000.0, 4),
    Vehicle("YA-V3", "川T·E0103", "YA-0203", Leg.inner, "TS-MINGSHAN", 400, 8000.0, 4),
    Vehicle("YA-V4", "川T·E0104", "YA-0204", Leg.inner, "TS-MINGSHAN", 400, 8000.0, 4),
)
"""China Post Sichuan's two swap-body tractors (trunk: the point to the stations) and Ya'an's
four 7.6 m trucks (inner: a station to the delivery points), each with its regular driver."""

LAPSING_PLATE = "川T·E0104"
"""The truck whose pass ends after the control's third day."""
LAPSING_DAYS = 3


@dataclass(frozen=True)
class StaffMember:
    """A person on the operation: a staff number, a display name, a job and the synthetic ID
    number the authority's white list carries (kept masked by the register)."""

    number: str
    name: str
    job: str

    @property
    def id_number(self) -> str:
        serial = int(self.number[-3:]) * 2 + 1
        return resident_id(CONTROLLED_CITY[:4] + "02", date(1985, 1, 1), serial)


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
    truck's pass."""
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
