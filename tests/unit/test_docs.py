"""Examples in the documentation run: the format reference's YAML example stays valid."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from peakguard.domain.regions import PairClass
from peakguard.formats.network_document import parse_network

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_format_reference_example_is_valid() -> None:
    """The complete example in network-format.md loads, with the shorthand and defaults applied."""
    text = (DOCS / "reference" / "network-format.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert example is not None
    network = parse_network(yaml.safe_load(example.group(1)))
    mianyang = network.node_index()["ZTO-MY-HUB"]
    assert mianyang.daily_sorting_capacity() == 24 * 3000
    assert (round(mianyang.longitude, 2), round(mianyang.latitude, 2)) == (104.68, 31.47)
    chengdu = network.node_index()["ZTO-CD-HUB"]
    assert chengdu.daily_sorting_capacity() == 10 * 40000 + 10 * 50000
    assert network.time_limit_hours(PairClass.same_province) == 48
