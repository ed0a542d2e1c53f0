"""The dispatch rule (产品发运, seed 004): direct from one source when the sets fill a vehicle,
through the consolidation point otherwise; hand-worked against the bundles' weights."""

from __future__ import annotations

from datetime import datetime

import pytest

from peakguard.errors import InvalidInputError
from peakguard.i18n import render
from peakguard.supply.dispatch import DispatchRule, choose_dispatch
from peakguard.supply.model import Bundle, DispatchMode, OrderDemand, OrderKind, OrderLine

BUNDLES = {
    "vegetables": Bundle("vegetables", "蔬菜套装", "Vegetable set", True, 10.0, 0.045),
    "protection": Bundle("protection", "防疫套装", "Protection set", True, 2.0, 0.1),
}
"""Two bundles: one heavy for its size (weight binds), one bulky and light (volume binds)."""


def _order(*lines: tuple[str, int, str]) -> OrderDemand:
    return OrderDemand(
        reference="BG-1",
        kind=OrderKind.direct_purchase,
        carrier="ems",
        company="EMS-HN",
        region="410100",
        lines=tuple(OrderLine(bundle, quantity, source) for bundle, quantity, source in lines),
        deliveries=(),
        needed_by=datetime(2026, 12, 5, 12),
    )


def test_one_source_filling_the_vehicle_by_weight_goes_direct() -> None:
    """800 vegetable sets (8,000 kg of a 10 t van: 80 %) from one source go direct."""
    decision = choose_dispatch(_order(("vegetables", 800, "S1")), BUNDLES)
    assert decision.mode is DispatchMode.direct
    assert decision.weight_kg == pytest.approx(8_000)
    assert decision.volume_m3 == pytest.approx(36.0)
    assert decision.load_share == pytest.approx(0.8)
    text = render(decision.reason, "en")
    assert "S1" in text and "800" in text and "80%" in text


def test_one_set_short_of_the_load_goes_through_the_point() -> None:
    """799 sets fill 79.9 % — under the 80 % a direct vehicle needs: consolidated, and why."""
    decision = choose_dispatch(_order(("vegetables", 799, "S1")), BUNDLES)
    assert decision.mode is DispatchMode.consolidated
    assert "below the 80%" in render(decision.reason, "en")


def test_volume_binds_for_bulky_sets() -> None:
    """360 protection sets weigh 720 kg (7 %) but take 36 m³ (80 % of 45 m³): direct."""
    decision = choose_dispatch(_order(("protection", 360, "S2")), BUNDLES)
    assert decision.load_share == pytest.approx(0.8)
    assert decision.mode is DispatchMode.direct


def test_several_sources_are_combined_at_the_point_whatever_the_quantity() -> None:
    """Two sources of 5,000 sets each still go through the point, the reason naming both."""
    order = _order(("vegetables", 5_000, "S1"), ("protection", 5_000, "S2"))
    decision = choose_dispatch(order, BUNDLES)
    assert decision.mode is DispatchMode.consolidated
    assert render(decision.reason, "en").startswith("2 sources (S1, S2)")


def test_a_set_packed_at_the_point_is_consolidated() -> None:
    """A bundle the rule lists as packed at the point is consolidated though it fills a van."""
    rule = DispatchRule(packed_at_point=("vegetables",))
    decision = choose_dispatch(_order(("vegetables", 2_000, "S1")), BUNDLES, rule)
    assert decision.mode is DispatchMode.consolidated
    assert "vegetables" in render(decision.reason, "en")


def test_an_unknown_bundle_is_refused_at_its_line() -> None:
    """A bundle the catalogue lacks is named with the line it is on."""
    with pytest.raises(InvalidInputError) as raised:
        choose_dispatch(_order(("vegetables", 1, "S1"), ("caviar", 1, "S1")), BUNDLES)
    assert raised.value.problems[0].location == "BG-1: lines[1].bundle"


def test_the_rule_reads_from_toml_and_locates_a_bad_knob() -> None:
    """[dispatch] is read key by key; a share above 1 is refused at its key."""
    rule = DispatchRule.from_toml("[dispatch]\nvehicle_weight_kg = 5000.0\n")
    assert rule.vehicle_weight_kg == 5_000 and rule.minimum_load_share == 0.8
    decision = choose_dispatch(_order(("vegetables", 400, "S1")), BUNDLES, rule)
    assert decision.mode is DispatchMode.direct  # 4,000 kg of 5 t
    with pytest.raises(InvalidInputError) as raised:
        DispatchRule.from_toml("[dispatch]\nminimum_load_share = 1.5\n")
    assert "minimum_load_share" in raised.value.problems[0].location
