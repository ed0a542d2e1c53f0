"""The forecast pages through FastAPI's test client, on SQLite and PostgreSQL: a history
uploaded with a network runs to its result page, whose chart (with its 80 and 95 % bands),
forecast table and gap table are the forecast and the gaps made directly; a bad history is
refused beside its field and queues nothing; a user without forecast.run gets the 403 page;
another organisation sees none of it."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from peakguard.app.capacity import capacity_for, capacity_records
from peakguard.app.forecasts import forecast_records, forecast_volumes, read_forecast_inputs
from peakguard.app.networks import get_network, save_network
from peakguard.formats.loading import load_network
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from tests.integration.test_authentication import Site, cheap_passwords, make_site
from tests.integration.test_forecast_jobs import small_history
from tests.integration.test_plan_pages import (
    EXAMPLES,
    csrf_of,
    csv_rows,
    field_error,
    job_rows,
    log_in,
    wait_for_status,
)

__all__ = ["cheap_passwords"]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The pages do not depend on the engine: SQLite only (the workflows run on both
    engines in their own tests)."""
    return sqlite_url


@pytest.fixture
def site(database_url: str, tmp_path: Path, cheap_passwords: None) -> Iterator[Site]:
    """site: the authentication tests' deployment with the Chengdu–Mianyang example stored."""
    for made in make_site(database_url, tmp_path):
        network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
        save_network(made.store, actor=LOCAL_ADMINISTRATOR, network=network, source="test")
        yield made


def history_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["day", "carrier", "region", "node", "volume"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def submit(site: Site, history: bytes, **data: str) -> Any:
    form = site.client.get("/app/forecasts/new")
    assert form.status_code == 200, form.text
    fields = {"network": "chengdu-mianyang", "bound": "upper_80", "horizon_days": "14"} | data
    return site.client.post(
        "/app/forecasts/new",
        data=fields | {"csrf_token": csrf_of(form.text)},
        files={
            "history": ("history.csv", history, "text/csv"),
            "announced": ("", b""),
            "settings": ("", b""),
        },
        follow_redirects=False,
    )


def test_a_forecast_from_the_form_shows_the_forecast_and_gaps_made_directly(site: Site) -> None:
    """The result page draws the national series with its bands, lists its days (the CSV
    export is forecast_volumes' rows for that series) and the gaps (capacity_for's)."""
    log_in(site, "admin.one")
    assert 'href="/app/forecasts/new"' in site.client.get("/app/forecasts/new").text
    history = small_history()
    started = submit(site, history_csv(history))
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    assert wait_for_status(site, location.rsplit("/", 1)[-1]) == "succeeded"
    result = site.client.get(f"{location}/result")
    assert result.status_code == 200, result.text
    option = re.search(
        r'<script type="application/json" id="chart-forecast-option">(.*?)</script>',
        result.text,
        re.S,
    )
    assert option, result.text
    chart = json.loads(option.group(1))
    network = get_network(site.store, "chengdu-mianyang", actor=LOCAL_ADMINISTRATOR)
    direct = forecast_records(
        forecast_volumes(
            read_forecast_inputs(history, network=network),
            actor=LOCAL_ADMINISTRATOR,
            horizon_days=14,
        )
    )
    national = [row for row in direct["forecasts"] if row["level"] == "national"]
    assert len(national) == 14
    point = next(s for s in chart["series"] if s.get("name") == "Forecast")
    assert point["data"] == [row["point"] for row in national]
    widths = [s for s in chart["series"] if s.get("areaStyle")]
    assert len(widths) == 2  # the 95 % and the 80 % bands
    exported = csv_rows(site.client.get(f"{location}/result?export=csv&table=forecast").content)
    assert [row[0] for row in exported[1:]] == [row["day"] for row in national]
    assert [int(row[5]) for row in exported[1:]] == [row["upper_95"] for row in national]
    gaps = capacity_records(
        capacity_for(network, actor=LOCAL_ADMINISTRATOR, history=history, horizon_days=14)
    )["gaps"]
    shown = csv_rows(site.client.get(f"{location}/result?export=csv&table=gaps").content)
    assert [(row[0], row[2]) for row in shown[1:]] == [(g["node"], g["resource"]) for g in gaps]
    assert site.client.get(f"{location}/result?export=xlsx&table=gaps").status_code == 200
    node = next(row for row in direct["series"] if row["node"] == "ZTO-MY-HUB")
    key = ":".join(str(node[k] or "") for k in ("level", "carrier", "region", "node"))
    one = site.client.get(f"{location}/result", params={"series": key})
    assert one.status_code == 200 and f'value="{key}" selected' in one.text


def test_a_bad_history_is_refused_beside_its_field(site: Site) -> None:
    """A negative volume is shown beside the history's field with its file, row and column;
    nothing is queued."""
    log_in(site, "admin.one")
    history = small_history()
    history[4]["volume"] = -3
    page = submit(site, history_csv(history))
    assert page.status_code == 422, page.text
    assert "history.csv row 6" in field_error(page.text, "history"), page.text
    assert job_rows(site.store) == 0


def test_without_forecast_run_the_form_is_forbidden_and_another_organisation_sees_nothing(
    site: Site,
) -> None:
    log_in(site, "admin.one")
    location = submit(site, history_csv(small_history())).headers["location"]
    job_id = location.rsplit("/", 1)[-1]
    log_in(site, "zto.reporter")
    assert site.client.get("/app/forecasts/new").status_code == 403
    log_in(site, "cd.analyst")
    for path in (location, f"{location}/result", f"/jobs/{job_id}"):
        assert site.client.get(path).status_code == 404, path
