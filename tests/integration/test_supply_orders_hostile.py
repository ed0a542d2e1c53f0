"""Hostile order requirement sheets through the page form that opens a supply order, in the
spirit of the hostile corpus of issue #13 (tests/hostile_corpus.py): nesting past the limit, an
alias bomb, numbers past 2**64, infinities and NaN, a year 9999 with an offset UTC cannot hold,
markup, NUL and control characters, bytes that are not UTF-8, CSV rows with extra cells or a
column twice, a file past the size limit. Each is answered 422 with the field, row or file
named beside the form, never a 500, and nothing is written."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from peakguard.formats.limits import DEFAULT_LIMITS
from tests.integration.test_authentication import Site
from tests.integration.test_supply_orders_surfaces import (
    PICKUP,
    SHEET,
    TALLIES_HEADER,
    open_form,
    page_login,
)
from tests.integration.test_supply_orders_surfaces import site as surfaces_site

site = surfaces_site


def sheet_json(path: tuple[Any, ...], value: Any) -> bytes:
    document = copy.deepcopy(SHEET)
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(document, ensure_ascii=False).encode()


def bomb() -> bytes:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    return ("\n".join(lines) + "\ntitle: *l9\n").encode()


DEEP = 100_000
CASES: list[tuple[str, str, bytes, str]] = [
    ("deep YAML", "sheet.yaml", b"title: " + b"[" * DEEP + b"]" * DEEP, "sheet.yaml"),
    ("deep JSON", "sheet.json", b'{"title": ' + b"[" * DEEP + b"]" * DEEP + b"}", "sheet.json"),
    ("alias bomb", "sheet.yaml", bomb(), "sheet.yaml"),
    ("quantity 2**64", "sheet.json", sheet_json(("lines", 0, "quantity"), 2**64),
     "lines[0].quantity"),
    ("long number", "sheet.json", sheet_json(("lines", 0, "quantity"), 1).replace(
        b'"quantity": 1,', b'"quantity": ' + b"9" * 5000 + b",", 1), "sheet.json"),
    ("infinite latitude", "sheet.yaml", b"kind: direct_purchase\nlines: []\ndeliveries:\n"
     b"- {code: A, name: a, region: '510104', latitude: .inf, longitude: 104.0, quantity: 1}\n",
     "deliveries[0].latitude"),
    ("NaN longitude", "sheet.json", sheet_json(("deliveries", 0, "longitude"), 1.5).replace(
        b"1.5", b"NaN", 1), "sheet.json"),
    ("year 9999 west of UTC", "sheet.json#",
     sheet_json(("needed_by",), "9999-12-31T23:00:00-05:00"), "needed_by"),
    ("markup in a bundle", "sheet.json", sheet_json(("lines", 0, "bundle"), "<script>x</script>"),
     "lines[0].bundle"),
    ("control in the title", "sheet.json#", sheet_json(("title",), "锦江\x1b[2J区"), "title"),
    ("NUL in the title", "sheet.json#", sheet_json(("title",), "锦江\x00区"), "title"),
    ("not UTF-8", "sheet.yaml", b"title: \xff\xfe\xfa\n", "sheet.yaml"),
    ("a list, not a sheet", "sheet.yaml", b"- 1\n- 2\n", "sheet.yaml"),
    ("unknown field", "sheet.json", sheet_json(("owner",), "x"), "owner"),
    ("CSV extra cells", "tallies.csv", (TALLIES_HEADER + f"T-1,{PICKUP},milk,3,SRC,x,y\n")
     .encode(), "tallies.csv: row 2"),
    ("CSV NUL", "tallies.csv", (TALLIES_HEADER + f"T-1,{PICKUP},milk,3\x00\n").encode(),
     "tallies.csv: row 2"),
    ("CSV column twice", "tallies.csv", (TALLIES_HEADER.strip() + ",quantity\n"
     + f"T-1,{PICKUP},milk,3,x\n").encode(), "tallies.csv: row 1"),
    ("CSV long cell", "tallies.csv", (TALLIES_HEADER + f"{'T' * 200_000},{PICKUP},milk,3\n")
     .encode(), "tallies.csv"),
    ("CSV header only", "tallies.csv", TALLIES_HEADER.encode(), "lines"),
    ("past the size limit", "sheet.yaml", b"#" * (DEFAULT_LIMITS.max_file_bytes + 1),
     "sheet.yaml"),
]  # fmt: skip


@pytest.fixture(scope="module")
def token(site: Site) -> Iterator[str]:
    yield page_login(site, "zto.sc")
    site.client.cookies.clear()


@pytest.mark.parametrize(("name", "filename", "data", "where"), CASES, ids=[c[0] for c in CASES])
def test_a_hostile_sheet_is_refused_beside_its_field(
    site: Site, token: str, name: str, filename: str, data: bytes, where: str
) -> None:
    """422 with the location named beside the field or the file (a body past the site's
    limit: 413); no order written. A name ending '#': the file's own title and moment count
    (the form leaves them empty)."""
    before = site.client.get("/app/supply").text.count("/app/supply/orders/")
    own = {"title": "", "needed_by": ""} if filename.endswith("#") else {}
    answer = open_form(site, token, (filename.rstrip("#"), data), **own)
    if len(data) > DEFAULT_LIMITS.max_file_bytes:
        assert answer.status_code in {413, 422}, (name, answer.status_code)
        assert site.client.get("/app/supply").text.count("/app/supply/orders/") == before
        return
    assert answer.status_code == 422, (name, answer.status_code, answer.text[-500:])
    shown = " ".join(re.findall(r'class="field-error"[^>]*>(.*?)</(?:p|ul)>', answer.text, re.S))
    field = where.split("[", maxsplit=1)[0]
    beside_field = f'id="{field}-error"' in answer.text
    assert where in shown or beside_field, (name, shown)
    assert "<script>x</script>" not in answer.text
    assert site.client.get("/app/supply").text.count("/app/supply/orders/") == before
