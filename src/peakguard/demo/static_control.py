"""The demo's static control (静态管控): Ya'an under control for five days of the Double 11 season,
and the supply-guarantee work (保供保通保畅, seed 004) that keeps goods and mail reaching it.

**Why Ya'an (雅安市, 511800).** Not Deyang: its ZTO hub's closure on 12 November is the
operations desk's story (the incident, the reroute, the emergency response), and a second
closure there would mix the two stories' parcels. Not Chengdu: the provincial capital carries
two thirds of the demo's volume, and the complaints and security stories happen there; closing
it would change every other part of the demo. Ya'an is a small prefecture (0.7 % of the
province's parcels in the demo's calibration, so a few hundred parcels of the lake's sample are
bound for it and each can be told quickly) at the western edge of the Chengdu Plain, reached from
Chengdu by the Chengdu–Ya'an expressway: a consolidation point in Chengdu's Qionglai (邛崃, the
neighbouring county on that road, an hour from the control's edge) is seed 004's mode 2 as the
seed draws it — a point in a neighbouring city, swap-body trailers to the government-designated
transfer stations at the control's edge, the controlled city's own vehicles inside.

**The window.** 10 November 00:00 to 15 November 00:00 (China time): five days that hold
Double 11, so the parcels the control holds are the season's most. Every figure and name below
is demo data (the places are real; the organisations' sites, plates and people are not).

Pure data: :mod:`peakguard.app.demo_supply` records it through the areas' operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.supply.consolidation import PointResources
from peakguard.supply.model import (
    DeliveryKind,
    DeliveryPoint,
    OrderDemand,
    OrderKind,
    OrderLine,
    Place,
)

CONTROLLED_CITY = "511800"
"""雅安市."""
CONTROLLED_CITY_NAME = "雅安市"
CONTROL_FIRST_DAY = (11, 10)
"""(month, day) the control starts, at midnight China time."""
CONTROL_DAYS = 5
CARRIER = "EMS"
"""China Post (中国邮政, EMS in the demo network): seed 004's operator."""
COMPANY = "ems-sc"
"""The carrier's provincial company (疫情静态管控省级邮政企业): the demo's organisation code."""
SUPPLIER = "youle"
"""The supplier side (邮乐公司): the demo's platform organisation code."""
REGULATOR = "spb-ya"
"""雅安市邮政管理局: the demo's organisation code."""


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``day`` at ``hour``:``minute``, China time."""
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_STANDARD_TIME)


@dataclass(frozen=True)
class StaticControl:
    """The control as the city's epidemic-prevention headquarters declared it and the city's
    postal administration records it (an incident whose region is the city)."""

    region: str
    name: str
    start: datetime
    end: datetime
    recorded_at: datetime
    """When the postal administration records it (half an hour after it starts)."""
    first_report_at: datetime
    """When the carrier's provincial company reports how its network is affected."""
    text: str
    first_report: str

    @property
    def days(self) -> list[date]:
        return [self.start.date() + timedelta(days=i) for i in range((self.end - self.start).days)]


def static_control(year: int) -> StaticControl:
    """Ya'an's five days under static control in ``year``'s season."""
    start = at(date(year, *CONTROL_FIRST_DAY), 0)
    return StaticControl(
        region=CONTROLLED_CITY,
        name=CONTROLLED_CITY_NAME,
        start=start,
        end=start + timedelta(days=CONTROL_DAYS),
        recorded_at=start + timedelta(minutes=30),
        first_report_at=start + timedelta(hours=2),
        text=(
            "雅安市疫情防控指挥部通告：自11月10日0时起全市实行静态管理5天（演示）。"
            "全市快递网点暂停收投，进出车辆凭通行证通行；保供物资经政府指定转运站换厢进入。"
        ),
        first_report=(
            "中国邮政雅安邮件处理中心及全市揽投部暂停对外收投；进口邮件暂存处理中心，"
            "经成都异地分拣覆盖；保供物资经邛崃汇集点盘驳至名山、雨城指定转运站（演示）。"
        ),
    )


# -- places ------------------------------------------------------------------------------------

SOURCES: tuple[Place, ...] = (
    Place("SRC-PENGZHOU", "彭州蔬菜基地（演示）", "510182", 30.99, 103.96),
    Place("SRC-XINDU-GRAIN", "新都粮油仓（演示）", "510114", 30.82, 104.16),
    Place("SRC-XINDU-DAIRY", "新都乳品厂（演示）", "510114", 30.84, 104.13),
    Place("SRC-WENJIANG", "温江医药物流园（演示）", "510115", 30.68, 103.86),
    Place("SRC-LONGQUAN", "龙泉驿日化仓（演示）", "510112", 30.56, 104.27),
    Place("SRC-PUJIANG", "蒲江柑橘猕猴桃基地（演示）", "510131", 30.20, 103.51),
    Place("SRC-ZIYANG", "资阳生猪屠宰加工厂（演示）", "512002", 30.11, 104.68),
)
"""货源地: real places of the Chengdu Plain and its neighbours, each known for the goods it
supplies (Pengzhou's vegetables, Pujiang's citrus and kiwi, Ziyang's pigs)."""

CONSOLIDATION_POINT = Place(
    "CP-QIONGLAI", "中国邮政邛崃保供物资汇集点（演示）", "510183", 30.41, 103.46
)
"""汇集点 in the neighbouring county, by the Chengdu–Ya'an expressway."""


POINT_RESOURCES = PointResources(
    floor_area_m2=3000.0,
    staff_per_shift=30,
    shifts_per_day=2,
    shift_hours=10,
    first_shift_starts=6,
    forklifts=4,
    pallets=600,
    racks=240,
    trailers=3,
    handling_equipment=12,
    warehouse_system=True,
)
"""What the point has (seed 004: site, staff, handling equipment, pallets, forklifts, racks,
swap-body trailers, the 郵包裹 warehouse system); the tasks' rates are the area's defaults."""

TRANSFER_STATIONS: tuple[Place, ...] = (
    Place("TS-MINGSHAN", "名山区政府指定保供物资转运站（演示）", "511803", 30.08, 103.12),
    Place("TS-YUCHENG", "雨城区政府指定保供物资转运站（演示）", "511802", 30.02, 103.06),
)
"""政府指定转运站 at the control's edge: the trailers are swapped there onto Ya'an's own vans."""


def _point(code: str, name: str, region: str, lat: float, lon: float) -> Place:
    return Place(code, name, region, lat, lon)


YUCHENG_OFFICES: tuple[Place, ...] = (
    _point("YC-DONGCHENG", "雨城区东城街道办事处保供接收点", "511802", 29.99, 103.04),
    _point("YC-XICHENG", "雨城区西城街道办事处保供接收点", "511802", 30.00, 103.00),
    _point("YC-HEBEI", "雨城区河北街道办事处保供接收点", "511802", 30.02, 103.02),
    _point("YC-QINGJIANG", "雨城区青江街道办事处保供接收点", "511802", 29.98, 103.02),
)
MINGSHAN_OFFICES: tuple[Place, ...] = (
    _point("MS-MENGYANG", "名山区蒙阳街道办事处保供接收点", "511803", 30.08, 103.11),
    _point("MS-YONGXING", "名山区永兴街道办事处保供接收点", "511803", 30.09, 103.15),
    _point("MS-BAIZHANG", "名山区百丈镇人民政府保供接收点", "511803", 30.16, 103.24),
)
COLLEGE = _point("YA-COLLEGE", "雅安职业技术学院后勤处（演示）", "511802", 29.97, 103.01)


# -- orders ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderScript:
    """One order's story: who asks, what and where, when its sheet reaches the supplier and how
    long the supplier and the company take to answer."""

    reference: str
    kind: OrderKind
    customer: str
    lines: tuple[OrderLine, ...]
    deliveries: tuple[DeliveryPoint, ...]
    sent_at: datetime
    quote_after: timedelta
    confirm_after: timedelta
    needed_by: datetime

    @property
    def quoted_at(self) -> datetime:
        return self.sent_at + self.quote_after

    @property
    def confirmed_at(self) -> datetime:
        return self.quoted_at + self.confirm_after

    def demand(self, region: str = CONTROLLED_CITY) -> OrderDemand:
        return OrderDemand(
            self.reference,
            self.kind,
            CARRIER,
            COMPANY,
            region,
            self.lines,
            self.deliveries,
            self.needed_by,
        )


def _spread(places: tuple[Place, ...], sets: int, kind: DeliveryKind) -> tuple[DeliveryPoint, ...]:
    """``sets`` shared as evenly as the places allow (the first ones take the remainder)."""
    share, extra = divmod(sets, len(places))
    return tuple(
        DeliveryPoint(place, kind, share + (1 if index < extra else 0), time(8), time(18))
        for index, place in enumerate(places)
    )


def government_orders(year: int) -> tuple[OrderScript, ...]:
    """The two district governments' bulk purchases and the college's (a large customer), in
    the order their sheets reach the supplier; every answer in time."""
    first = date(year, *CONTROL_FIRST_DAY)
    return (
        OrderScript(
            "YA-GOV-YC",
            OrderKind.direct_purchase,
            "雅安市雨城区人民政府",
            (OrderLine("vegetables", 2400, "SRC-PENGZHOU"),),
            _spread(YUCHENG_OFFICES, 2400, DeliveryKind.address),
            at(first, 9),
            timedelta(hours=6),
            timedelta(hours=1, minutes=30),
            at(first + timedelta(days=2), 18),
        ),
        OrderScript(
            "YA-GOV-MS",
            OrderKind.direct_purchase,
            "雅安市名山区人民政府",
            (
                OrderLine("food", 900, "SRC-XINDU-GRAIN"),
                OrderLine("milk", 900, "SRC-XINDU-DAIRY"),
                OrderLine("epidemic_protection", 900, "SRC-WENJIANG"),
            ),
            _spread(MINGSHAN_OFFICES, 2700, DeliveryKind.address),
            at(first, 11),
            timedelta(hours=9),
            timedelta(hours=2),
            at(first + timedelta(days=2), 18),
        ),
        OrderScript(
            "YA-COLLEGE",
            OrderKind.direct_purchase,
            "雅安职业技术学院",
            (
                OrderLine("food", 600, "SRC-XINDU-GRAIN"),
                OrderLine("washing_care", 600, "SRC-LONGQUAN"),
                OrderLine("daily_use", 600, "SRC-LONGQUAN"),
            ),
            (DeliveryPoint(COLLEGE, DeliveryKind.address, 1800, time(9), time(17)),),
            at(first, 14),
            timedelta(hours=19),
            timedelta(hours=1, minutes=30),
            at(first + timedelta(days=3), 17),
        ),
    )


GROUP_BUY_SENT = (11, 11, 22)
"""(month, day, hour) the group buy's sheet reaches the supplier: after the 接龙 closed."""
GROUP_BUY_QUOTE_AFTER = timedelta(hours=27, minutes=30)
"""The supplier quotes the group buy late: fresh pork for the list could not be sourced over
night (24 hours allowed, seed 004), so the sweep marks the quotation's clock breached."""
GROUP_BUY_CONFIRM_AFTER = timedelta(hours=2, minutes=30)
