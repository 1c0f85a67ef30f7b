"""The tenancy matrix: every organisation-scoped route x every role x own org / another org.

Own org: roles outside the endpoint's ACCESS entry get 403, the others are served.
Another org: 404, whatever the role, and a refused request changes nothing.
Own org with another org's object ids: 404 as well.
"""
from __future__ import annotations

import contextlib
import importlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
from flask import url_for

from cxgov.auth.models import User
from cxgov.extensions import db
from cxgov.orgs.models import Organisation, Role
from tests.access import Access
from tests.conftest import _TMP
from tests.conftest import _empty_all_tables as empty_all_tables
from tests.conftest import login_as, pdf_layout_fake
from tests.fingerprint import fingerprint  # also imported from here by other features' tests
from tests.report_stand_ins import use_word_charts_parsed_only

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


def build_world(make_org, make_member) -> World:
    """Create two organisations, a member per role in each, and every feature's objects."""
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


@dataclass(frozen=True)
class _Snapshot:
    """A built world as a copy (a SQLite file, or a PostgreSQL schema) plus the ids that find its objects again."""

    path: Path | None
    org_ids: dict[str, int]
    member_ids: dict[tuple[str, Role], int]
    ids: dict[str, dict[str, int]]


#: One snapshot per test process (each xdist worker has its own database).
_snapshots: list[_Snapshot] = []

#: PostgreSQL: the schema in the test database that holds the built world's rows.
_COPY_SCHEMA = "tenancy_world"


def _sqlite_copy(*, source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.backup(target)


def _postgresql_copy_take() -> None:
    """Copy every table's rows and every id sequence's position into the ``tenancy_world`` schema."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{_COPY_SCHEMA}" CASCADE')
        connection.exec_driver_sql(f'CREATE SCHEMA "{_COPY_SCHEMA}"')
        for table in db.metadata.sorted_tables:
            connection.exec_driver_sql(f'CREATE TABLE "{_COPY_SCHEMA}"."{table.name}" AS TABLE "{table.name}"')
        connection.exec_driver_sql(
            f'CREATE TABLE "{_COPY_SCHEMA}".sequence_position AS'
            " SELECT schemaname || '.' || sequencename AS name, last_value FROM pg_sequences"
            " WHERE schemaname = current_schema() AND last_value IS NOT NULL")


def _postgresql_copy_restore() -> None:
    """Put the copied world back: tables emptied, rows inserted parents first, sequences where they were."""
    empty_all_tables()
    with db.engine.begin() as connection:
        for table in db.metadata.sorted_tables:
            connection.exec_driver_sql(
                f'INSERT INTO "{table.name}" OVERRIDING SYSTEM VALUE SELECT * FROM "{_COPY_SCHEMA}"."{table.name}"')
        connection.exec_driver_sql(f'SELECT setval(name::regclass, last_value) FROM "{_COPY_SCHEMA}".sequence_position')


def fresh_world(make_org, make_member) -> World:
    """Return a freshly built world: built once per process, then restored from a copy.

    Building the world (two organisations, ten members, every feature's objects, scored
    cycles) costs about half a second on SQLite and about a second of the test's CPU plus as
    much of the server's on PostgreSQL; restoring a SQLite backup costs a few milliseconds,
    and PostgreSQL copies the rows back from a schema of its own (``INSERT ... SELECT``) in
    a few more.
    """
    postgresql = db.engine.dialect.name == "postgresql"
    if not _snapshots:
        world = build_world(make_org, make_member)
        path = None
        if postgresql:
            _postgresql_copy_take()
        else:
            path = _TMP / "tenancy-world.sqlite3"
            connection = db.engine.raw_connection()
            try:
                with contextlib.closing(sqlite3.connect(path)) as copy:
                    _sqlite_copy(source=connection.driver_connection, target=copy)
            finally:
                connection.close()
        _snapshots.append(_Snapshot(
            path=path, org_ids={key: org.id for key, org in world.orgs.items()},
            member_ids={key: user.id for key, user in world.members.items()}, ids=world.ids))
        return world
    snapshot = _snapshots[0]
    db.session.remove()
    if postgresql:
        _postgresql_copy_restore()
    else:
        db.engine.dispose()
        connection = db.engine.raw_connection()
        try:
            with contextlib.closing(sqlite3.connect(snapshot.path)) as copy:
                _sqlite_copy(source=copy, target=connection.driver_connection)
        finally:
            connection.close()
    return World(orgs={key: db.session.get_one(Organisation, pk) for key, pk in snapshot.org_ids.items()},
                 members={key: db.session.get_one(User, pk) for key, pk in snapshot.member_ids.items()},
                 ids={key: dict(ids) for key, ids in snapshot.ids.items()}, make_member=make_member)


def org_scoped_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "<org_slug>" in rule.rule}


def request(client, endpoint: str, access: Access, org: Organisation, ids: dict[str, int]):
    with client.application.test_request_context():
        url = url_for(endpoint, org_slug=org.slug, **access.args(ids), **access.query)
    headers = access.headers(ids)
    if access.method == "GET":
        return client.get(url, headers=headers)
    if access.json is not None:
        return client.open(url, method=access.method, json=access.json(ids), headers=headers)
    return client.open(url, method=access.method, data=access.data(ids), headers=headers)


def sign_in(client, user) -> None:
    """Log in (the session), and let features that need more sign in too (the API's token)."""
    login_as(client, user)
    for module in MODULES:
        if hasattr(module, "sign_in"):
            module.sign_in(client, user)


def test_every_org_route_is_in_the_matrix(app):
    routes = org_scoped_endpoints(app)
    missing = routes - set(ACCESS)
    stale = set(ACCESS) - routes
    assert not missing, f"add these endpoints to a tests/<feature>/access.py: {sorted(missing)}"
    assert not stale, f"these ACCESS entries name no route: {sorted(stale)}"


ENDPOINTS = sorted(ACCESS)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_role_matrix(app, client, make_org, make_member, monkeypatch, endpoint):
    """Every role against one endpoint; the world is restored only after a request wrote to it.

    Refused requests must change nothing, so they share one world. A served POST may
    change it (remove a member, close a cycle...), so the next role gets a fresh one.
    The PDF layout is tested in tests/reports; here a fake layout keeps the case fast (the
    issued versions' PDFs included: the API's version download lays one out per admitted role),
    and the Word files' charts are parsed but not drawn.
    """
    pdf_layout_fake(monkeypatch)
    use_word_charts_parsed_only(monkeypatch)  # the Word download: its chart pictures one pixel each
    # An issued version's PDF in the request, not a thread that writes after the world is restored.
    monkeypatch.setitem(app.config, "REPORT_RENDER_SYNC", True)
    access = ACCESS[endpoint]
    world = fresh_world(make_org, make_member)
    own, other = world.orgs["own"], world.orgs["other"]
    before = fingerprint()

    for role in Role:
        sign_in(client, world.members[("own", role)])

        # Another organisation: 404 and nothing changed, whatever the role.
        response = request(client, endpoint, access, other, world.ids["other"])
        assert response.status_code == 404, (endpoint, role, "other org", response.status_code)
        assert fingerprint() == before, (endpoint, role, "other org wrote")

        # Own organisation, but object ids of the other one: 404 and nothing changed.
        if access.args(world.ids["own"]) and access.args(world.ids["own"]) != access.args(world.ids["other"]):
            response = request(client, endpoint, access, own, world.ids["other"])
            expected = {404} if role in access.roles else {403, 404}
            assert response.status_code in expected, (endpoint, role, "foreign ids", response.status_code)
            assert fingerprint() == before, (endpoint, role, "foreign ids wrote")

        # Own organisation without the role: 403 and nothing changed.
        if role not in access.roles:
            response = request(client, endpoint, access, own, world.ids["own"])
            assert response.status_code == 403, (endpoint, role, response.status_code)
            assert fingerprint() == before, (endpoint, role, "refused request wrote")

    for role in (role for role in Role if role in access.roles):
        if fingerprint() != before:  # the previous role's request wrote: start afresh
            db.session.remove()
            empty_all_tables()
            world = fresh_world(make_org, make_member)
            own, before = world.orgs["own"], fingerprint()
        sign_in(client, world.members[("own", role)])
        response = request(client, endpoint, access, own, world.ids["own"])
        assert response.status_code not in (403, 404, 405, 500), (endpoint, role, response.status_code)


def test_non_member_sees_404_not_403(client, make_org, make_user):
    org = make_org()
    login_as(client, make_user())
    assert client.get(f"/o/{org.slug}/settings").status_code == 404
    assert client.get("/o/no-such-org/").status_code == 404


