"""Small hand-built networks for the coverage plans (seed 004's Henan and Chaoyang cases);
no tests of its own (test_coverage.py and the integration tests read them).

Nodes sit at the reference table's centre of their region, so the distances of the worked
cases are the great-circle distances between those centres (listed in the tests' docstrings).
"""

from __future__ import annotations

from peakguard.domain.network import Carrier, Lane, Network, Node, NodeKind, Shift
from peakguard.domain.regions import reference_regions

EVERY_HOUR = [f"{hour:02d}:00" for hour in range(0, 24, 6)]

HENAN_VOLUMES: dict[str, int] = {
    "410100": 120_000,  # 郑州
    "410200": 25_000,  # 开封
    "410300": 40_000,  # 洛阳
    "410400": 25_000,  # 平顶山
    "410500": 30_000,  # 安阳
    "410600": 10_000,  # 鹤壁
    "410700": 30_000,  # 新乡
    "410800": 20_000,  # 焦作
    "410900": 20_000,  # 濮阳
    "411000": 25_000,  # 许昌
    "411100": 15_000,  # 漯河
    "411200": 12_000,  # 三门峡
    "411300": 45_000,  # 南阳
    "411400": 35_000,  # 商丘
    "411500": 30_000,  # 信阳
    "411600": 35_000,  # 周口
    "411700": 30_000,  # 驻马店
    "419001": 6_000,  # 济源
}
"""Parcels a day each part's station delivers (inbound); 553,000 in all."""

CENTRES: dict[str, tuple[str, str, bool, int, int]] = {
    # id: (region, name, automated, daily capacity, normal day's load)
    "EMS-WUHAN": ("420100", "武汉邮件处理中心", True, 600_000, 350_000),
    "EMS-XIAN": ("610100", "西安邮件处理中心", True, 408_000, 275_000),
    "EMS-JINING": ("370800", "济宁邮件处理中心", True, 450_000, 200_000),
    "EMS-HANDAN": ("130400", "邯郸邮件处理中心", True, 504_000, 200_000),
    "EMS-HEZE": ("371700", "菏泽邮件处理中心", False, 216_000, 216_000),
    "EMS-GUANGZHOU": ("440100", "广州邮件处理中心", True, 2_016_000, 500_000),
    "EMS-BEIJING": ("110100", "北京邮件处理中心", True, 1_008_000, 1_008_000),
    "EMS-SHANGHAI": ("310100", "上海邮件处理中心", True, 1_008_000, 1_008_000),
}
"""Usable spare (0.8 × (capacity − load)): 武汉 200 k, 西安 106.4 k, 济宁 200 k, 邯郸 243.2 k;
菏泽 manual and full, 广州 ~28 h by road from the nearest part, 北京 and 上海 full (they are
the origin hubs sending mail into Henan)."""


def node(
    node_id: str,
    kind: NodeKind,
    region: str,
    *,
    name: str | None = None,
    capacity: int = 10**6,
    volume: int = 0,
    automated: bool = False,
    at: tuple[float, float] | None = None,
    carrier: str = "EMS",
) -> Node:
    place = reference_regions()[region]
    longitude, latitude = at or (place.longitude, place.latitude)
    assert longitude is not None
    assert latitude is not None
    return Node(
        id=node_id,
        name=name or node_id,
        kind=kind,
        region=region,
        carrier=carrier,
        shifts=[
            Shift(
                name="all day",
                start_hour=0,
                end_hour=24,
                sorting_capacity_per_hour=max(1, capacity // 24),
            )
        ],
        storage_capacity=10**8,
        staff=10,
        vehicles=10,
        floor_area_m2=1000.0,
        automated_sorter=automated,
        longitude=longitude,
        latitude=latitude,
        daily_volume=volume,
    )


def lane(lane_id: str, origin: str, destination: str) -> Lane:
    return Lane(
        id=lane_id,
        origin=origin,
        destination=destination,
        mode="road",
        transit_hours=6,
        departure_times=EVERY_HOUR,
        capacity_per_departure=100_000,
    )


def henan_network() -> Network:
    """China Post in and around Henan: one station per prefecture (and 济源), 郑州's hub (closed
    with the province), the four centres of seed 004, a manual full one at 菏泽, a far one at
    广州, and 北京 and 上海 sending mail into Henan through 郑州."""
    nodes = [
        node(
            f"EMS-{code}-S",
            NodeKind.station,
            code,
            name=reference_regions()[code].name + "揽投部",
            volume=volume,
        )
        for code, volume in HENAN_VOLUMES.items()
    ]
    nodes.append(node("EMS-410100-OUT", NodeKind.outlet, "410100", volume=0))
    nodes.append(node("EMS-ZHENGZHOU", NodeKind.hub, "410100", automated=True, volume=500_000))
    for hub_id, (region, name, automated, capacity, load) in CENTRES.items():
        hub = node(
            hub_id,
            NodeKind.hub,
            region,
            name=name,
            capacity=capacity,
            volume=load,
            automated=automated,
        )
        nodes.append(hub)
    lanes = [
        lane("BJ-ZZ", "EMS-BEIJING", "EMS-ZHENGZHOU"),
        lane("SH-ZZ", "EMS-SHANGHAI", "EMS-ZHENGZHOU"),
        lane("HD-AY", "EMS-HANDAN", "EMS-410500-S"),
    ]
    lanes += [lane(f"ZZ-{code}", "EMS-ZHENGZHOU", f"EMS-{code}-S") for code in HENAN_VOLUMES]
    return Network(
        name="henan",
        carriers=[Carrier(code="EMS", name="中国邮政")],
        nodes=nodes,
        lanes=lanes,
    )


CHAOYANG_STATIONS: dict[str, tuple[str, float, float, int]] = {
    # id: (name, longitude, latitude, parcels a day)
    "CY-WANGJING": ("望京揽投部", 116.47, 40.00, 18_000),
    "CY-LAIGUANGYING": ("来广营揽投部", 116.45, 40.03, 12_000),
    "CY-JIUXIANQIAO": ("酒仙桥揽投部", 116.49, 39.97, 10_000),
    "CY-SHUANGJING": ("双井揽投部", 116.46, 39.89, 15_000),
    "CY-SHIBALIDIAN": ("十八里店揽投部", 116.49, 39.84, 9_000),
    "CY-FATOU": ("垡头揽投部", 116.52, 39.86, 8_000),
}
"""Stations of 朝阳区 (110105): three in the north, three in the south."""


def chaoyang_network() -> Network:
    """China Post in Beijing: six 朝阳 stations, 朝阳's own hub (closed), 大平面 south of the
    city (大兴), 新顺 north-east (顺义), and an automated hub in 天津 with room to spare."""
    nodes = [
        node(station, NodeKind.station, "110105", name=name, volume=volume, at=(lon, lat))
        for station, (name, lon, lat, volume) in CHAOYANG_STATIONS.items()
    ]
    nodes += [
        node(
            "EMS-CHAOYANG",
            NodeKind.hub,
            "110105",
            automated=True,
            volume=70_000,
            capacity=96_000,
            at=(116.48, 39.93),
        ),
        node(
            "EMS-DAPINGMIAN",
            NodeKind.hub,
            "110115",
            name="大平面处理中心",
            automated=True,
            capacity=408_000,
            volume=300_000,
            at=(116.38, 39.78),
        ),
        node(
            "EMS-XINSHUN",
            NodeKind.hub,
            "110113",
            name="新顺处理中心",
            automated=True,
            capacity=312_000,
            volume=232_000,
            at=(116.60, 40.10),
        ),
        node(
            "EMS-TIANJIN",
            NodeKind.hub,
            "120100",
            name="天津处理中心",
            automated=True,
            capacity=504_000,
            volume=200_000,
        ),
    ]
    lanes = [lane("TJ-CY", "EMS-TIANJIN", "EMS-CHAOYANG")]
    lanes += [
        lane(f"CY-{index}", "EMS-CHAOYANG", station)
        for index, station in enumerate(CHAOYANG_STATIONS)
    ]
    return Network(
        name="beijing",
        carriers=[Carrier(code="EMS", name="中国邮政")],
        nodes=nodes,
        lanes=lanes,
    )
