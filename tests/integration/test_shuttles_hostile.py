"""Hostile plan files through ``peakguard supply shuttle plan`` and hostile values through the
pass form of ``/app/supply/passes``, in the spirit of the hostile corpus of issue #13
(tests/hostile_corpus.py): nesting past the limit, an alias bomb, bytes that are not UTF-8,
numbers past 2**64, infinities, a year 9999, full-width digits, markup and control characters.
A file is refused with exit code 2 naming the file or the field, never a traceback, and no plan
is kept; a form is answered 422 with the field named, never a 500, and no pass is kept."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peakguard.cli import app as cli_app
from tests.conftest import administrator_headers
from tests.integration.test_authentication import Site
from tests.integration.test_shuttles_surfaces import BODY, PASSES, TODAY, sign_in
from tests.integration.test_shuttles_surfaces import site as surfaces_site

site = surfaces_site
DEEP = 100_000


def body_json(path: tuple[Any, ...], value: Any) -> str:
    document = copy.deepcopy(BODY)
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(document, ensure_ascii=False)


def bomb() -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\ncarrier: *l9\n"


PLAN_CASES: list[tuple[str, str, bytes, str]] = [
    ("deep JSON", "plan.json", b'{"carrier": ' + b"[" * DEEP + b"]" * DEEP + b"}", "plan.json"),
    ("deep YAML", "plan.yaml", b"carrier: " + b"[" * DEEP + b"]" * DEEP, "plan.yaml"),
    ("alias bomb", "plan.yaml", bomb().encode(), "plan.yaml"),
    ("not UTF-8", "plan.yaml", b"carrier: \xff\xfe\n", "plan.yaml"),
    ("a list", "plan.yaml", b"- 1\n", "plan.yaml"),
    ("capacity 2**64", "plan.json", body_json(("vehicles", 0, "capacity_sets"), 2**64).encode(),
     "vehicles[0].capacity_sets"),
    ("negative capacity", "plan.json", body_json(("vehicles", 0, "capacity_sets"), -1).encode(),
     "vehicles.0.capacity_sets"),
    ("infinite latitude", "plan.json", body_json(("stations", 0, "latitude"), 1.5).replace(
        "1.5", "Infinity", 1).encode(), "plan.json"),
    ("year 9999", "plan.json", body_json(("day",), "9999-12-31").encode(), "day"),
    ("full-width region", "plan.json", body_json(("region",), "５１０１０４").encode(), "region"),
    ("control in a vehicle", "plan.json", body_json(("vehicles", 0, "code"), "V\x1b[2J1")
     .encode(), "vehicles.0.code"),
    ("sets 2**64", "plan.json", body_json(("orders", 0, "deliveries", 0, "quantity"), 2**64)
     .encode(), "orders[0].deliveries[0].quantity"),
]  # fmt: skip


def plans(site: Site) -> int:
    headers = administrator_headers(site.store)
    return len(site.client.get("/supply/shuttles", headers=headers).json())


@pytest.mark.parametrize(("name", "filename", "data", "where"), PLAN_CASES,
                         ids=[case[0] for case in PLAN_CASES])  # fmt: skip
def test_a_hostile_plan_file_is_refused_naming_its_field(
    site: Site,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    filename: str,
    data: bytes,
    where: str,
) -> None:
    """Exit code 2, the file or field named, no traceback, no plan kept."""
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", site.settings.database_url)
    before = plans(site)
    path = tmp_path / filename
    path.write_bytes(data)
    result = CliRunner().invoke(cli_app, ["--lang", "en", "supply", "shuttle", "plan", str(path)],
                                env={"COLUMNS": "240"})  # fmt: skip
    assert result.exit_code == 2, (name, result.exit_code, result.output, result.exception)
    assert where in result.output.replace("\n", ""), (name, result.output)
    assert "Traceback" not in result.output
    assert plans(site) == before


PASS_CASES: list[tuple[str, dict[str, str], str]] = [
    ("NUL in the holder", {"holder": "川A\x0012345"}, "holder"),
    ("holder of 10,000 characters", {"holder": "川" * 10_000}, "holder"),
    ("full-width area", {"region": "５１０１０４"}, "region"),
    ("markup register", {"kind": "<script>x</script>"}, "kind"),
    ("30 February", {"valid_until": "2026-02-30"}, "valid_until"),
    ("year 0", {"valid_from": "0000-01-01"}, "valid_from"),
    ("no issuer", {"issuer": "   "}, "issuer"),
    ("white list without an ID", {"kind": "person", "id_number": ""}, "id_number"),
]


@pytest.mark.parametrize(("name", "values", "field"), PASS_CASES,
                         ids=[case[0] for case in PASS_CASES])  # fmt: skip
def test_a_hostile_pass_form_is_refused_beside_its_field(
    site: Site, name: str, values: dict[str, str], field: str
) -> None:
    """422, the mistake beside its field, markup escaped, no pass kept."""
    token = sign_in(site, "zto.supply")
    headers = administrator_headers(site.store)
    before = len(site.client.get("/supply/passes", headers=headers).json())
    form = {"csrf_token": token, "kind": "vehicle", "holder": "川A55555", "region": "510104",
            "valid_from": TODAY.isoformat(), "valid_until": TODAY.isoformat(),
            "issuer": "成都市防控办"} | values  # fmt: skip
    answer = site.client.post(PASSES, data=form, follow_redirects=False)
    assert answer.status_code == 422, (name, answer.status_code, answer.text[-400:])
    assert re.search(rf'id="{field}-error"', answer.text), name
    assert "<script>x</script>" not in answer.text
    assert len(site.client.get("/supply/passes", headers=headers).json()) == before
    site.client.cookies.clear()
