"""The demo's group buy (团购, 接龙拼团): Ya'an's households sign up on their group leaders' 接龙
lists, and the provincial company aggregates the lists into one order requirement sheet.

Each group leader (团长, seed 004: a 邮乐小店 keeper, a postal employee, a pick-up agent) keeps a
pick-up point (自提点) in a community of Yucheng district. A household's line on the list names
its building and the sets it wants; no name and no phone (the leader knows them). The lists are
generated from the seed, so the same seed gives the same lines; their sum is the order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, time, timedelta

import numpy as np

from peakguard.demo.static_control import (
    CONTROL_FIRST_DAY,
    GROUP_BUY_CONFIRM_AFTER,
    GROUP_BUY_QUOTE_AFTER,
    GROUP_BUY_SENT,
    OrderScript,
    at,
)
from peakguard.supply.model import OrderKind, Place
from peakguard.supply.orders import GroupBuyEntry, aggregate_group_buy

GROUP_BUY_SOURCES: dict[str, str] = {
    "vegetables": "SRC-PENGZHOU",
    "milk": "SRC-XINDU-DAIRY",
    "fruit": "SRC-PUJIANG",
    "meat": "SRC-ZIYANG",
}
"""The sets the group buy offers (two standard, two of seed 004's optional ones) and where each
comes from."""

OPENS, CLOSES = time(9), time(19)
"""When the pick-up points take the goods in."""


@dataclass(frozen=True)
class Leader:
    """A group leader's pick-up point and how many households follow the list."""

    place: Place
    leader: str
    households: int


LEADERS: tuple[Leader, ...] = (
    Leader(
        Place("GB-YAOQIAO", "姚桥新区一期自提点（演示）", "511802", 30.03, 103.07),
        "团长 李（邮乐小店店主）",
        38,
    ),
    Leader(
        Place("GB-DAXING", "大兴街道滨江花园自提点（演示）", "511802", 29.97, 103.05),
        "团长 陈（邮政揽投员）",
        31,
    ),
    Leader(
        Place("GB-CAOBA", "草坝镇邮政代收点自提点（演示）", "511802", 29.93, 103.10),
        "团长 周（代收自提点）",
        24,
    ),
    Leader(
        Place("GB-XICHENG", "西城街道苍坪社区自提点（演示）", "511802", 30.00, 102.99),
        "团长 赵（郵乐购站点）",
        27,
    ),
    Leader(
        Place("GB-HEBEI", "河北街道金凤社区自提点（演示）", "511802", 30.02, 103.01),
        "团长 吴（邮政员工）",
        30,
    ),
)


@dataclass(frozen=True)
class SignUp:
    """One line of a 接龙 list: ``number``. ``building`` + the sets the household wants."""

    point: str
    number: int
    building: str
    sets: tuple[tuple[str, int], ...]

    def text(self, names: dict[str, str]) -> str:
        wanted = " ".join(f"{names.get(bundle, bundle)}×{count}" for bundle, count in self.sets)
        return f"{self.number}. {self.building} {wanted}"


def sign_ups(seed: int) -> list[SignUp]:
    """Every household's line on its leader's list: one to three of the offered sets, one or two
    of each (a demo draw from the seed)."""
    random = np.random.default_rng([seed, 18])
    offered = sorted(GROUP_BUY_SOURCES)
    lines = []
    for leader in LEADERS:
        for number in range(1, leader.households + 1):
            count = int(random.integers(1, 4))
            chosen = sorted(random.choice(offered, size=count, replace=False).tolist())
            sets = tuple((str(bundle), int(random.integers(1, 3))) for bundle in chosen)
            building = f"{int(random.integers(1, 13))}栋{int(random.integers(1, 4))}单元"
            lines.append(SignUp(leader.place.code, number, building, sets))
    return lines


def tallies(lines: list[SignUp]) -> list[GroupBuyEntry]:
    """Each leader's tally (接龙 totals): the sets of each bundle signed up at the point, as the
    company registers them (the leader's role, not a name)."""
    counted: Counter[tuple[str, str]] = Counter()
    for line in lines:
        for bundle, count in line.sets:
            counted[line.point, bundle] += count
    return [
        GroupBuyEntry(
            leader.leader,
            leader.place,
            bundle,
            counted[leader.place.code, bundle],
            GROUP_BUY_SOURCES[bundle],
        )
        for leader in LEADERS
        for bundle in sorted(GROUP_BUY_SOURCES)
        if counted[leader.place.code, bundle]
    ]


def group_buy_order(year: int, seed: int) -> OrderScript:
    """The group buy's order requirement sheet, aggregated from the leaders' lists; its
    quotation comes late (:data:`~peakguard.demo.static_control.GROUP_BUY_QUOTE_AFTER`)."""
    lines, points = aggregate_group_buy(tallies(sign_ups(seed)), source="")
    deliveries = tuple(replace(point, opens=OPENS, closes=CLOSES) for point in points)
    month, day, hour = GROUP_BUY_SENT
    sent = at(date(year, month, day), hour)
    first = date(year, *CONTROL_FIRST_DAY)
    return OrderScript(
        "YA-GROUPBUY",
        OrderKind.group_buy,
        "邮乐优鲜 雨城区接龙团购（5个团长）",
        lines,
        deliveries,
        sent,
        GROUP_BUY_QUOTE_AFTER,
        GROUP_BUY_CONFIRM_AFTER,
        at(first + timedelta(days=4), 19),
    )
