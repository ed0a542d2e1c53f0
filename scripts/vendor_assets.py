"""Copy the browser files the pages load from frontend/node_modules into the package.

Usage: python3 scripts/vendor_assets.py frontend/node_modules src/peakguard/web/pages/static/vendor

ECharts (dist/echarts.min.js) and the map geometry ECharts 4.9.0 shipped (map/json/china.json
and map/json/province/*.json, installed under the alias ``echarts-4-maps``): the provinces are
renamed to their administrative-division codes (510000.json for Sichuan) so the pages can ask
for a territory's map by its code. PROVENANCE.txt records what came from where.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

PROVINCE_FILES = {
    "110000": "beijing", "120000": "tianjin", "130000": "hebei", "140000": "shanxi",
    "150000": "neimenggu", "210000": "liaoning", "220000": "jilin", "230000": "heilongjiang",
    "310000": "shanghai", "320000": "jiangsu", "330000": "zhejiang", "340000": "anhui",
    "350000": "fujian", "360000": "jiangxi", "370000": "shandong", "410000": "henan",
    "420000": "hubei", "430000": "hunan", "440000": "guangdong", "450000": "guangxi",
    "460000": "hainan", "500000": "chongqing", "510000": "sichuan", "520000": "guizhou",
    "530000": "yunnan", "540000": "xizang", "610000": "shanxi1", "620000": "gansu",
    "630000": "qinghai", "640000": "ningxia", "650000": "xinjiang", "710000": "taiwan",
    "810000": "xianggang", "820000": "aomen",
}  # fmt: skip
"""Province code → the file's name in ECharts 4.9.0 (``shanxi`` is 山西, ``shanxi1`` 陕西)."""


def version(modules: Path, package: str) -> str:
    return str(json.loads((modules / package / "package.json").read_text())["version"])


def main(modules: Path, vendor: Path) -> None:
    if vendor.exists():
        shutil.rmtree(vendor)
    (vendor / "maps").mkdir(parents=True)
    shutil.copy(modules / "echarts" / "dist" / "echarts.min.js", vendor / "echarts.min.js")
    shutil.copy(modules / "echarts" / "LICENSE", vendor / "LICENSE-echarts.txt")
    maps = modules / "echarts-4-maps" / "map" / "json"
    shutil.copy(maps / "china.json", vendor / "maps" / "100000.json")
    for code, name in PROVINCE_FILES.items():
        shutil.copy(maps / "province" / f"{name}.json", vendor / "maps" / f"{code}.json")
    (vendor / "PROVENANCE.txt").write_text(
        f"echarts.min.js: the npm package echarts {version(modules, 'echarts')} "
        "(Apache-2.0, LICENSE-echarts.txt), dist/echarts.min.js.\n"
        f"maps/: the npm package echarts {version(modules, 'echarts-4-maps')} (Apache-2.0), "
        "map/json/china.json (as 100000.json) and map/json/province/<pinyin>.json (as the "
        "province's code). Provinces with their prefecture-level divisions, coordinates "
        "compressed (UTF8Encoding), as Apache ECharts published them in 2020; ECharts 5 "
        "stopped shipping them. Drawn for orientation only: not a map approved for "
        "publication (no 审图号), boundaries not authoritative.\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
