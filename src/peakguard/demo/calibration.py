"""Public figures the demo province is calibrated to, each with where it comes from.

``reported`` figures are from State Post Bureau releases as reprinted in the press
(the rows and URLs are in ``peakguard/reference/calibration.csv``); ``modelled`` figures are
this project's assumptions, stated so that a reviewer can change them.
"""

from __future__ import annotations

from typing import Final

NATIONAL_ANNUAL_VOLUME_2023: Final = 1320.7e8
"""Parcels, 2023 (reported: annual minus Jan–Nov chain in china_express_monthly)."""

SICHUAN_SHARE_OF_NATIONAL: Final = 28.69e8 / 1105.8e8
"""2.59 %: Sichuan 2022 快递业务量 28.69 亿件 over the national 1105.8 亿件 (reported)."""

NORMAL_DAY_NATIONAL: Final = NATIONAL_ANNUAL_VOLUME_2023 / 365
"""≈ 3.62 亿 parcels a day; 2020's reported 'about 3 亿 a day' is the same order."""

NORMAL_DAY_SICHUAN_PICKUPS: Final = NORMAL_DAY_NATIONAL * SICHUAN_SHARE_OF_NATIONAL
"""≈ 9.4 million parcels taken on in Sichuan on a normal day."""

INBOUND_TO_OUTBOUND_RATIO: Final = 1.5
"""Modelled: Sichuan receives more than it sends (a consuming province); no public figure found."""

PEAK_MULTIPLE: Final = 2.0
"""11–16 November 2020 averaged 4.9 亿 a day, 'about twice a normal day' (reported)."""

CHENGDU_SHARE: Final = 0.655
"""Chengdu 18.25 亿 of Sichuan ≈ 27.8 亿 in 2021 (reported Chengdu figure, derived share)."""

TOP_FIVE_SHARE: Final = 0.8349
"""Chengdu, Meishan, Nanchong, Deyang, Mianyang = 83.49 % of Sichuan in 2019 (reported)."""

CITY_SHARES: Final[dict[str, float]] = {
    # Chengdu and the top-five total are reported; the split below them is modelled.
    "510100": CHENGDU_SHARE,  # 成都
    "511400": 0.055,  # 眉山
    "511300": 0.045,  # 南充
    "510600": 0.040,  # 德阳
    "510700": 0.0399,  # 绵阳
    "511500": 0.020,  # 宜宾
    "510500": 0.018,  # 泸州
    "511700": 0.014,  # 达州
    "511100": 0.013,  # 乐山
    "510900": 0.012,  # 遂宁
    "511000": 0.011,  # 内江
    "510300": 0.011,  # 自贡
    "511600": 0.010,  # 广安
    "512000": 0.009,  # 资阳
    "510800": 0.009,  # 广元
    "513400": 0.009,  # 凉山
    "511900": 0.008,  # 巴中
    "511800": 0.007,  # 雅安
    "510400": 0.007,  # 攀枝花
    "513200": 0.004,  # 阿坝
    "513300": 0.0031,  # 甘孜
}

CARRIER_SHARES: Final[dict[str, float]] = {
    # Modelled on the carriers' published 2023 national market shares, renormalised to seven.
    "ZTO": 0.25,
    "YTO": 0.17,
    "YUNDA": 0.16,
    "STO": 0.15,
    "SF": 0.11,
    "EMS": 0.10,
    "JD": 0.06,
}

GATEWAY_CITIES: Final[dict[str, str]] = {
    # National hubs outside the province that Sichuan's trunk lanes run to.
    "500100": "重庆",
    "610100": "西安",
    "420100": "武汉",
    "440100": "广州",
    "310100": "上海",
    "330100": "杭州",
    "110100": "北京",
    "530100": "昆明",
}
