"""The main express brands, used when an exchanged table names carriers by code only."""

from __future__ import annotations

from peakguard.domain.network import Carrier

KNOWN_CARRIERS: tuple[Carrier, ...] = (
    Carrier(code="EMS", name="中国邮政/EMS", name_en="China Post / EMS"),
    Carrier(code="SF", name="顺丰速运", name_en="SF Express"),
    Carrier(code="ZTO", name="中通快递", name_en="ZTO Express"),
    Carrier(code="YTO", name="圆通速递", name_en="YTO Express"),
    Carrier(code="STO", name="申通快递", name_en="STO Express"),
    Carrier(code="YUNDA", name="韵达速递", name_en="Yunda Express"),
    Carrier(code="JD", name="京东物流", name_en="JD Logistics"),
    Carrier(code="JT", name="极兔速递", name_en="J&T Express"),
    Carrier(code="DEPPON", name="德邦快递", name_en="Deppon Express"),
)


def known_carrier(code: str) -> Carrier | None:
    for carrier in KNOWN_CARRIERS:
        if carrier.code == code:
            return carrier
    return None
