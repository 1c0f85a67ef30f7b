"""The tenancy matrix: every organisation-scoped route x every role x own org / another org.

Own org: roles outside the endpoint's ACCESS entry get 403, the others are served.
Another org: 404, whatever the role, and a refused request changes nothing.
Own org with another org's object ids: 404 as well.
"""
from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
from sqlalchemy import select

from cxgov.audit import SecurityEvent
from cxgov.extensions import db
from cxgov.orgs.models import Organisation, Role
from tests.access import Access
from tests.conftest import login_as

TESTS_DIR = Path(__file__).parent


def _access_modules() -> list[Any]:
    modules = []
    for path in sorted(TESTS_DIR.glob("*/access.py")):
        modules.append(importlib.import_module(f"tests.{path.parent.name}.access"))
    return modules


MODULES = _access_modules()
ACCESS: dict[str, Access] = {}
for _module in MODULES:
    ACCESS.update(_module.ACCESS)


@dataclass
class World:
    """Two organisations with one member per role each, and each feature's objects."""

    orgs: dict[str, Organisation]
    members: dict[tuple[str, Role], Any]
    ids: dict[str, dict[str, int]]
    make_member: Callable[..., Any]


@pytest.fixture
def world(app, make_org, make_member) -> World:
    orgs = {"own": make_org(consultant=None), "other": make_org(consultant=None)}
    members = {(key, role): make_member(org, role) for key, org in orgs.items() for role in Role}
    w = World(orgs=orgs, members=members, ids={}, make_member=make_member)
    for key, org in orgs.items():
        ids: dict[str, int] = {}
        for module in MODULES:
            if hasattr(module, "build"):
                ids.update(module.build(org, w) or {})
        w.ids[key] = ids
    db.session.commit()
    return w


def org_scoped_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "<org_slug>" in rule.rule}


def fingerprint() -> str:
    """Return a hash of every row of every table except the security log."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name == SecurityEvent.__tablename__:
            continue
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest.update(repr((table.name, rows)).encode())
    return digest.hexdigest()


def request(client, endpoint: str, access: Access, org: Organisation, ids: dict[str, int]):
    from flask import url_for

    with client.application.test_request_context():
        url = url_for(endpoint, org_slug=org.slug, **access.args(ids), **access.query)
    if access.method == "GET":
        return client.get(url)
    return client.open(url, method=access.method, data=access.data(ids))


def test_every_org_route_is_in_the_matrix(app):
    routes = org_scoped_endpoints(app)
    missing = routes - set(ACCESS)
    stale = set(ACCESS) - routes
    assert not missing, f"add these endpoints to a tests/<feature>/access.py: {sorted(missing)}"
    assert not stale, f"these ACCESS entries name no route: {sorted(stale)}"


ENDPOINTS = sorted(ACCESS)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_role_matrix(app, client, world, endpoint, role):
    access = ACCESS[endpoint]
    user = world.members[("own", role)]
    login_as(client, user)
    own, other = world.orgs["own"], world.orgs["other"]

    # Another organisation: 404 and nothing changed, whatever the role.
    before = fingerprint()
    response = request(client, endpoint, access, other, world.ids["other"])
    assert response.status_code == 404, (endpoint, role, "other org", response.status_code)
    assert fingerprint() == before

    # Own organisation, but object ids of the other one: 404 and nothing changed.
    if world.ids["own"] != world.ids["other"] and access.args(world.ids["own"]):
        response = request(client, endpoint, access, own, world.ids["other"])
        expected = {404} if role in access.roles else {403, 404}
        assert response.status_code in expected, (endpoint, role, "foreign ids", response.status_code)
        assert fingerprint() == before

    # Own organisation: 403 without the role (nothing changed), served with it.
    response = request(client, endpoint, access, own, world.ids["own"])
    if role in access.roles:
        assert response.status_code not in (403, 404, 405, 500), (endpoint, role, response.status_code)
    else:
        assert response.status_code == 403, (endpoint, role, response.status_code)
        assert fingerprint() == before


def test_non_member_sees_404_not_403(client, make_org, make_user):
    org = make_org()
    login_as(client, make_user())
    assert client.get(f"/o/{org.slug}/settings").status_code == 404
    assert client.get("/o/no-such-org/").status_code == 404


