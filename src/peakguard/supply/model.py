"""What the parts of a supply-guarantee operation share (seed 004, 保供物资运营模式).

An **order** (a bulk direct-purchase order of a government or large customer, 批量直采直供订单,
or a group-buy order, 团购订单) asks for **bundles** (套餐: the six standard sets and the optional
ones, kept as data) from **sources** (货源地), to be delivered at **delivery points** inside a
controlled area: named addresses for a government purchase, communities and group leaders'
pick-up points for a group buy. The provincial company gathers them into an order requirement
sheet (订单需求表); how an order's goods travel — straight from the source to a designated
transfer station (源头直发) or through a consolidation point (汇集发运) — is its **dispatch mode**.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum


class OrderKind(StrEnum):
    """The two kinds of supply order seed 004 names."""

    direct_purchase = "direct_purchase"
    """批量直采直供订单: governments' and large customers' bulk purchases."""
    group_buy = "group_buy"
    """团购订单 (接龙拼团): consumers' group buys gathered by a group leader (团长)."""


class DeliveryKind(StrEnum):
    """Where an order's goods end (物资配送)."""

    address = "address"
    """A named address of a government purchase (指定地点), unloaded and handed over there."""
    community = "community"
    """A community (社区) of a group buy."""
    pickup_point = "pickup_point"
    """A group leader's pick-up point (团长自提点)."""


class DispatchMode(StrEnum):
    """How an order's goods leave their sources (产品发运)."""

    direct = "direct"
    """模式一 源头直发: one source's goods, enough of them, straight to a transfer station."""
    consolidated = "consolidated"
    """模式二 汇集发运: goods from several sources combined and packed at a consolidation point."""


@dataclass(frozen=True)
class Place:
    """A place on the map: a source, a consolidation point, a designated transfer station (政府指定
    转运站) or a delivery point. ``region`` is its GB/T 2260 code (six digits)."""

    code: str
    name: str
    region: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Bundle:
    """One kind of set (套餐) as the catalogue keeps it (``supply/bundles.toml``, extendable by a
    deployment's file): its key, names, whether it is one of seed 004's six standard sets, its
    weight and volume per set, and what it holds."""

    key: str
    name_zh: str
    name_en: str
    standard: bool
    weight_kg: float
    volume_m3: float
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderLine:
    """``quantity`` sets of bundle ``bundle`` (a catalogue key) from source ``source`` (a
    :class:`Place` code)."""

    bundle: str
    quantity: int
    source: str


@dataclass(frozen=True)
class DeliveryPoint:
    """Where ``quantity`` sets of an order are delivered, between ``opens`` and ``closes`` (China
    time) on the delivery day."""

    place: Place
    kind: DeliveryKind
    quantity: int
    opens: time = time(8, 0)
    closes: time = time(20, 0)


@dataclass(frozen=True)
class OrderDemand:
    """An order's goods as the operation plans them: what (``lines``), to where
    (``deliveries``), for whom (the carrier's brand and its provincial company's organisation
    code) and by when. ``region`` is the controlled area's GB/T 2260 code."""

    reference: str
    kind: OrderKind
    carrier: str
    company: str
    region: str
    lines: tuple[OrderLine, ...]
    deliveries: tuple[DeliveryPoint, ...]
    needed_by: datetime

    @property
    def sets(self) -> int:
        """How many sets the order asks for in all."""
        return sum(line.quantity for line in self.lines)

    @property
    def sources(self) -> frozenset[str]:
        """The sources its goods come from."""
        return frozenset(line.source for line in self.lines)
