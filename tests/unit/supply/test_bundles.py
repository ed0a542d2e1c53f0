"""The bundle catalogue (seed 004's ten sets) and a deployment's file that extends it."""

from __future__ import annotations

from pathlib import Path

import pytest

from peakguard.errors import InvalidInputError
from peakguard.supply.bundles import OPTIONAL_SETS, STANDARD_SETS, load_bundles, parse_bundles

SEED_STANDARD = ("蔬菜套装", "食品套装", "牛奶套装", "日用套装", "洗护套装", "防疫套装")
SEED_OPTIONAL = ("水果套装", "肉类套装", "零食套装", "调味品套装")


def test_the_packaged_catalogue_holds_seed_004s_six_standard_and_four_optional_sets() -> None:
    """The Chinese names are exactly the seed's, the six standard ones marked standard."""
    bundles = load_bundles()
    assert tuple(bundles[key].name_zh for key in STANDARD_SETS) == SEED_STANDARD
    assert tuple(bundles[key].name_zh for key in OPTIONAL_SETS) == SEED_OPTIONAL
    assert {key for key, bundle in bundles.items() if bundle.standard} == set(STANDARD_SETS)
    assert all(b.weight_kg > 0 and b.volume_m3 > 0 and b.items for b in bundles.values())


def test_a_deployment_file_adds_one_bundle_and_replaces_another_leaving_the_rest(
    tmp_path: Path,
) -> None:
    """A new key is added, a known key replaced whole, the eight others unchanged."""
    path = tmp_path / "bundles.toml"
    path.write_text(
        '[rice_5kg]\nname_zh = "大米单品"\nname_en = "Rice 5 kg"\nweight_kg = 5.2\n'
        'volume_m3 = 0.008\n\n[milk]\nname_zh = "牛奶套装"\nname_en = "Milk set"\n'
        "standard = true\nweight_kg = 13.0\nvolume_m3 = 0.024\n",
        encoding="utf-8",
    )
    packaged, bundles = load_bundles(), load_bundles(path)
    assert len(bundles) == 11
    assert bundles["rice_5kg"].weight_kg == 5.2 and not bundles["rice_5kg"].standard
    assert bundles["milk"].weight_kg == 13.0 and bundles["milk"].items == ()
    assert all(bundles[key] == packaged[key] for key in packaged if key != "milk")


def test_every_mistake_of_a_deployment_file_is_located_by_file_key_and_field(
    tmp_path: Path,
) -> None:
    """A negative weight, a missing name and an unknown field are all reported at once."""
    path = tmp_path / "local.toml"
    path.write_text(
        '[fruit]\nname_zh = "水果"\nweight_kg = -1\nvolume_m3 = 0.01\ncolour = "red"\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as caught:
        load_bundles(path)
    where = {problem.location for problem in caught.value.problems}
    assert where == {"local.toml: fruit.name_en", "local.toml: fruit.weight_kg",
                     "local.toml: fruit.colour"}  # fmt: skip


def test_a_toml_syntax_error_is_located_by_line() -> None:
    """A broken file names its line and column, not a traceback."""
    with pytest.raises(InvalidInputError) as caught:
        parse_bundles('[fruit\nname_zh = "x"\n', where="b.toml")
    assert caught.value.problems[0].location.startswith("b.toml:1:")
