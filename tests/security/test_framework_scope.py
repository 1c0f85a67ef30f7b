"""Finding 6: one consultant's framework upload replaced the default for every organisation.

The review uploaded ``cx-governance`` version "9.0" as a consultant; every other organisation's
new-cycle form then offered only that file. Uploads now belong to the uploader's firm.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cxgov.cycles.models import Cycle
from cxgov.extensions import db
from cxgov.framework.catalog import framework_catalog_clear
from cxgov.framework.loader import DEFAULT_FRAMEWORK_DIR
from cxgov.framework.models import FrameworkUpload
from cxgov.framework.services import framework_upload_create
from cxgov.orgs.models import Role

SHIPPED = (DEFAULT_FRAMEWORK_DIR / "cx-governance.yaml").read_text(encoding="utf-8")
SHADOW = SHIPPED.replace('version: "1.0"', 'version: "9.0"', 1)


@pytest.fixture
def world(app, make_user, make_org, make_member):
    framework_catalog_clear()
    alpha = make_user(is_consultant=True, firm_name="Alpha CX")
    alpha_colleague = make_user(is_consultant=True, firm_name="  alpha   cx ")
    beta = make_user(is_consultant=True, firm_name="Beta Partners")
    org_a = make_org(slug="client-of-alpha", consultant=alpha_colleague)
    org_b = make_org(slug="client-of-beta", consultant=beta)
    sponsors = {"a": make_member(org_a, Role.SPONSOR), "b": make_member(org_b, Role.SPONSOR)}
    framework_upload_create(data=SHADOW.encode(), filename="mine.yaml", by=alpha)
    db.session.commit()
    yield {"alpha": alpha, "beta": beta, "org_a": org_a, "org_b": org_b, "sponsors": sponsors}
    framework_catalog_clear()


def _offered(client, login, sponsor, slug) -> str:
    login(client, sponsor)
    page = client.get(f"/o/{slug}/cycles/new")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_an_upload_is_offered_only_in_the_uploading_firms_clients(world, client, login):
    assert "(v9.0)" not in _offered(client, login, world["sponsors"]["b"], "client-of-beta")
    assert "(v9.0)" in _offered(client, login, world["sponsors"]["a"], "client-of-alpha")


def test_another_firms_client_cannot_pick_the_upload_by_posting_its_key(world, client, login):
    login(client, world["sponsors"]["b"])
    response = client.post("/o/client-of-beta/cycles/new", data={"period": "2026-Q4", "framework": "cx-governance"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    cycle = db.session.scalar(select(Cycle).where(Cycle.org_id == world["org_b"].id))
    assert cycle.framework_version != "9.0"


def test_the_library_shows_a_firms_upload_only_to_that_firm_its_clients_and_admins(world, client, login, make_user):
    url = "/frameworks/cx-governance/9.0/"
    login(client, world["beta"])
    assert client.get(url).status_code == 404
    assert "9.0" not in client.get("/frameworks/").get_data(as_text=True)
    login(client, world["sponsors"]["b"])
    assert client.get(url).status_code == 404
    for user in (world["alpha"], world["sponsors"]["a"], make_user(is_admin=True)):
        login(client, user)
        assert client.get(url).status_code == 200


def test_a_firm_is_its_admin_given_name_and_admins_upload_for_the_platform(world, make_user):
    from cxgov.framework.scope import firm_of

    assert db.session.scalar(select(FrameworkUpload.firm)) == "firm:alpha cx"
    assert firm_of(make_user(is_consultant=True, firm_name="ALPHA CX")) == "firm:alpha cx"
    loner = make_user(is_consultant=True)
    assert firm_of(loner) == f"user:{loner.id}"
    assert firm_of(make_user(is_admin=True, is_consultant=True, firm_name="Alpha CX")) is None


def test_an_admin_publishes_an_upload_as_a_platform_default(world, runner, client, login):
    result = runner.invoke(args=["framework", "publish", "cx-governance", "9.0"])
    assert result.exit_code == 0, result.output
    assert "(v9.0)" in _offered(client, login, world["sponsors"]["b"], "client-of-beta")
