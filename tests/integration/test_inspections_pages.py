"""The inspection pages on SQLite (the engines are tested in test_inspections.py): the Chengdu
office's inspector plans a 暗访 through the form (a missing moment shown beside its field),
starts it, answers the checklist form (a stale form refused, 409), uploads a photo and
completes it; ZTO's security officer gets 404 until then, then sees the finding and the photo's
link; the abnormal-outlet list and the commitment letters through their forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from peakguard.app import accounts
from peakguard.app.networks import save_network
from peakguard.cases.inspections import national_checklist
from peakguard.formats.loading import load_network
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind
from tests.integration.test_authentication import Site, make_site

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x03" * 40


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Chengdu–Mianyang stored; ZTO's Sichuan company; the Chengdu office's inspector and ZTO's
    security officer."""
    home = tmp_path_factory.mktemp("inspections")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
            save_network(made.store, actor=ADMIN, network=network, source="test")
            accounts.create_organisation(
                made.store, ADMIN,
                Organisation(code="zto-sc", name="中通四川", kind=OrganisationKind.carrier,
                             carrier="ZTO", region="510000"),
            )  # fmt: skip
            for username, organisation, role in (
                ("cd.inspector", "sc-cd", "inspector"),
                ("zto.security", "zto-sc", "security_officer"),
            ):
                made.passwords[username] = f"Pw-{len(username)}-q7Rm2xLw9Zt4-inspect"
                accounts.create_user(
                    made.store, ADMIN, username=username, organisation=organisation,
                    roles=[role], password=made.passwords[username],
                )  # fmt: skip
            yield made


def log_in(site: Site, username: str) -> None:
    site.client.cookies.clear()
    answer = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


PLAN = {
    "kind": "unannounced", "conducted_by": "regulator", "company": "zto-sc",
    "scheduled_at": "2026-11-05T09:00", "inspectors": "cd.inspector",
    "network": "chengdu-mianyang", "node_id": "ZTO-CD-O1",
}  # fmt: skip


def test_an_unannounced_visit_through_the_pages(site: Site) -> None:
    """As in the module's docstring."""
    log_in(site, "cd.inspector")
    form = site.client.get("/app/inspections/new")
    token = csrf_of(form.text)
    refused = site.client.post(
        "/app/inspections/new", data={**PLAN, "scheduled_at": "", "csrf_token": token}
    )
    assert refused.status_code == 422 and 'id="scheduled_at-error"' in refused.text
    planned = site.client.post(
        "/app/inspections/new", data={**PLAN, "csrf_token": token}, follow_redirects=False
    )
    assert planned.status_code == 303, planned.text
    path = planned.headers["location"]
    started = site.client.post(
        f"{path}/steps", data={"csrf_token": token, "version": "1", "action": "start"},
        follow_redirects=False,
    )  # fmt: skip
    assert started.status_code == 303
    page = site.client.get(path)
    assert 'data-state="in_progress"' in page.text and 'data-testid="answers-form"' in page.text
    answers = {f"answer:{item.key}": "compliant" for item in national_checklist().items}
    answers["answer:x_ray.operator_certified"] = "not_compliant"
    answers["note:x_ray.operator_certified"] = "安检员无证上岗"
    stale = site.client.post(
        f"{path}/answers", data={**answers, "csrf_token": token, "version": "1"}
    )
    assert stale.status_code == 409 and 'data-testid="inspection-message"' in stale.text
    saved = site.client.post(
        f"{path}/answers", data={**answers, "csrf_token": token, "version": "2"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    page = site.client.get(path)
    finding = re.search(r'data-finding="(\d+)"', page.text)
    assert finding is not None and "安检员无证上岗" in page.text
    uploaded = site.client.post(
        f"/app/inspections/findings/{finding.group(1)}/evidence",
        data={"csrf_token": token, "inspection": path.rsplit("/", 1)[1]},
        files={"file": ("无证.png", PNG, "image/png")}, follow_redirects=False,
    )  # fmt: skip
    assert uploaded.status_code == 303, uploaded.text
    log_in(site, "zto.security")
    assert site.client.get(path).status_code == 404
    assert path not in site.client.get("/app/inspections").text
    log_in(site, "cd.inspector")
    token = csrf_of(site.client.get(path).text)
    done = site.client.post(
        f"{path}/steps", data={"csrf_token": token, "version": "3", "action": "complete"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303, done.text
    log_in(site, "zto.security")
    seen = site.client.get(path)
    assert seen.status_code == 200 and 'data-state="completed"' in seen.text
    link = re.search(r'href="(/security/evidence/[0-9a-f]{64})"', seen.text)
    assert link is not None and site.client.get(link.group(1)).content == PNG
    assert 'data-testid="answers-form"' not in seen.text
    assert path in site.client.get("/app/inspections").text


def test_the_lists_through_their_forms(site: Site) -> None:
    """The inspector lists ZTO's Wuhou outlet; ZTO's officer sees it; the commitments page shows
    ZTO's company missing its letter, then signed once the inspector records it."""
    log_in(site, "cd.inspector")
    token = csrf_of(site.client.get("/app/abnormal-outlets").text)
    listed = site.client.post(
        "/app/abnormal-outlets",
        data={"csrf_token": token, "network": "chengdu-mianyang", "node_id": "ZTO-CD-O2",
              "listed_from": "2026-11-12", "reason": "擅自停业"},
        follow_redirects=False,
    )  # fmt: skip
    assert listed.status_code == 303, listed.text
    page = site.client.get("/app/commitments?season=2026")
    assert 'data-company="zto-sc" data-missing="1"' in page.text
    recorded = site.client.post(
        "/app/commitments",
        data={"csrf_token": token, "company": "zto-sc", "season": "2026",
              "signed_on": "2026-10-28", "signer_name": "赵总", "signer_title": "总经理"},
        files={"file": ("承诺书.pdf", b"%PDF-1.4\n" + b"x" * 20, "application/pdf")},
        follow_redirects=False,
    )  # fmt: skip
    assert recorded.status_code == 303, recorded.text
    page = site.client.get("/app/commitments?season=2026")
    assert 'data-missing="1"' not in page.text and "承诺书.pdf" in page.text
    log_in(site, "zto.security")
    assert "擅自停业" in site.client.get("/app/abnormal-outlets").text
