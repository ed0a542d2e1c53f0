"""Every reader of YAML, JSON and TOML goes through the guarded entry: the network and scenario
files, a network's ``--name``, and settings files; the examples of issue #13 as regressions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from peakguard.errors import InvalidInputError
from peakguard.formats.limits import InputLimits
from peakguard.formats.loading import load_network
from peakguard.formats.scenario_document import load_scenario
from peakguard.optimize.releases import StaggerParameters
from peakguard.parameters import read_parameters

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "chengdu-mianyang.yaml"


def located(call: object) -> list[str]:
    """The rendered problems of the InvalidInputError that ``call()`` raises."""
    assert callable(call)
    with pytest.raises(InvalidInputError) as caught:
        call()
    assert caught.value.problems
    return [problem.render("en") for problem in caught.value.problems]


def example_document() -> dict[str, object]:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_example_network_still_loads_as_yaml_and_json(tmp_path: Path) -> None:
    """The guarded entry takes the real example network, in both forms."""
    network = load_network(EXAMPLE)
    as_json = tmp_path / "network.json"
    as_json.write_text(json.dumps(example_document(), ensure_ascii=False), encoding="utf-8")
    assert load_network(as_json) == network


def test_capacity_beyond_64_bits_in_a_network_file(tmp_path: Path) -> None:
    """2**64 as a lane's capacity: a located refusal, not a traceback or an overflow later."""
    document = example_document()
    lanes = document["lanes"]
    assert isinstance(lanes, list)
    lanes[1]["capacity_per_departure"] = 2**64
    path = tmp_path / "network.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    (problem,) = located(lambda: load_network(path))
    assert problem.startswith("network.json: lanes[1].capacity_per_departure: 18446744073709551616")


def test_alias_bomb_as_a_network_file(tmp_path: Path) -> None:
    """The nested-aliases file through the network loader: refused by its expanded size."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 40)]
    path = tmp_path / "network.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    (problem,) = located(lambda: load_network(path))
    assert "once its aliases are expanded" in problem
    assert problem.startswith("network.yaml: line ")


def test_network_file_past_the_size_limit(tmp_path: Path) -> None:
    """A file longer than max_file_bytes is refused before it is read."""
    (problem,) = located(lambda: load_network(EXAMPLE, limits=InputLimits(max_file_bytes=1000)))
    assert problem.startswith("chengdu-mianyang.yaml: is ")


@pytest.mark.parametrize("name", ["my network", "../etc", "a/b", "ZTO\u200bCD", ""])
def test_bad_name_option_is_located(name: str) -> None:
    """``--name`` with a space, ``../`` or a hidden character is refused like the file's name."""
    problems = located(lambda: load_network(EXAMPLE, name))
    assert all(problem.startswith("--name: ") for problem in problems)


def test_good_name_option_is_used() -> None:
    assert load_network(EXAMPLE, "sichuan-2026").name == "sichuan-2026"


def test_scenario_file_goes_through_the_guarded_entry(tmp_path: Path) -> None:
    """A scenario nested 100,000 deep, and one in JSON with Infinity: located refusals."""
    network = load_network(EXAMPLE)
    deep = tmp_path / "scenario.yaml"
    deep.write_text("closures: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    (problem,) = located(lambda: load_scenario(deep, network))
    assert problem.startswith("scenario.yaml: line 1, column ")
    infinite = tmp_path / "scenario.json"
    infinite.write_text('{"hours": Infinity}', encoding="utf-8")
    assert located(lambda: load_scenario(infinite, network)) == [
        "scenario.json: hours: Infinity is not a number: write a finite number"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[stagger]\nstorage_margin = inf\n", "settings.toml: [stagger].storage_margin: inf is"),
        ("[stagger]\nstorage_margin = nan\n", "settings.toml: [stagger].storage_margin: nan is"),
        ("[stagger]\nx = 18446744073709551616\n", "settings.toml: [stagger].x: 184467"),
        ("[stagger]\nx = " + "9" * 5000 + "\n", "settings.toml:2:5: a number of more than 40"),
        ("[stagger]\nx = " + "[" * 5000 + "]" * 5000 + "\n", "settings.toml:2:5: arrays and"),
        ('[stagger]\nx = "a\\u0000b"\n', "settings.toml: [stagger].x: contains a NUL"),
    ],
)
def test_settings_file_values_no_knob_can_hold(tmp_path: Path, text: str, expected: str) -> None:
    """TOML's inf, nan, huge and endless numbers, deep arrays, NUL: located, not tracebacks."""
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    (problem,) = located(lambda: read_parameters(StaggerParameters, path))
    assert problem.startswith(expected)


def test_settings_file_past_its_size_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("# " + "x" * 2_000_000 + "\n", encoding="utf-8")
    (problem,) = located(lambda: read_parameters(StaggerParameters, path))
    assert "a settings file holds at most" in problem
