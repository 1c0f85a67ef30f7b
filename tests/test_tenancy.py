"""The tenancy matrix: every organisation-scoped route x every role x own org / another org.

Own org: roles outside the endpoint's ACCESS entry get 403, the others are served.
Another org: 404, whatever the role, and a refused request changes nothing.
Own org with another org's object ids: 404 as well.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pytest
from flask import url_for
from sqlalchemy import Table, select

from cxgov.audit import SecurityEvent
from cxgov.auth.models import User
from cxgov.extensions import db
from cxgov.orgs.models import Organisation, Role
from tests.access import Access
from tests.conftest import (_TMP, _empty_all_tables, make_test_app, postgresql_snapshot_restore,
                            postgresql_snapshot_take, sqlite_snapshot_take)
from tests.conftest import login_as, pdf_layout_fake
from tests.fingerprint import Fingerprint, fingerprint  # also imported from here by other features' tests
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
    #: every table's rows as built, to see which tables differ from the world now
    rows: Fingerprint


#: One snapshot per test process (each xdist worker has its own database).
_snapshots: list[_Snapshot] = []

#: The schema (PostgreSQL) or attached database (SQLite) that holds the built world's rows.
_COPY_SCHEMA = "tenancy_world"


def _tables_to_restore(changed: Iterable[str]) -> list[Table]:
    """Return the changed tables, every table that refers to one of them, and the security log; parents first.

    A table is put back by deleting its rows and copying the built ones in again; the rows of
    the tables that refer to it go first (their foreign keys would stop the delete, or cascade),
    and come back after it. The security log is not in the fingerprint (a refused request is
    logged on purpose) and is put back every time, so that the world is the built one exactly.
    """
    names = {*changed, SecurityEvent.__tablename__}
    referrers: dict[str, set[str]] = {}
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            referrers.setdefault(key.column.table.name, set()).add(table.name)
    pending = list(names)
    while pending:
        for referrer in referrers.get(pending.pop(), ()):
            if referrer not in names:
                names.add(referrer)
                pending.append(referrer)
    return [table for table in db.metadata.sorted_tables if table.name in names]


def _sqlite_copy_restore(path: Path, tables: list[Table]) -> None:
    """Put ``tables`` back from the world's copy, attached to one of the app's connections."""
    connection = db.engine.raw_connection()
    try:
        driver = connection.driver_connection  # autocommit: cxgov.db issues BEGIN itself
        driver.execute(f'ATTACH DATABASE ? AS "{_COPY_SCHEMA}"', (str(path),))  # not inside a transaction
        try:
            driver.execute("BEGIN IMMEDIATE")
            try:
                for table in reversed(tables):
                    driver.execute(f'DELETE FROM main."{table.name}"')
                for table in tables:
                    driver.execute(f'INSERT INTO main."{table.name}" SELECT * FROM "{_COPY_SCHEMA}"."{table.name}"')
            except BaseException:
                driver.execute("ROLLBACK")
                raise
            driver.execute("COMMIT")
        finally:
            driver.execute(f'DETACH DATABASE "{_COPY_SCHEMA}"')
    finally:
        connection.close()


def fresh_world(make_org, make_member) -> World:
    """Return the world as built: built once per process, then put back where it differs from the copy.

    Building the world (two organisations, ten members, every feature's objects, scored
    cycles) costs about half a second on SQLite and about a second of the test's CPU plus as
    much of the server's on PostgreSQL. After that, the tables whose rows differ from the
    built ones (all of them after a test's teardown emptied the database; the token table
    after an API request, or the register tables after a served POST) are copied back from
    the copy with ``INSERT ... SELECT``, with the tables that refer to them.
    """
    postgresql = db.engine.dialect.name == "postgresql"
    if not _snapshots:
        world = build_world(make_org, make_member)
        path = None
        if postgresql:
            postgresql_snapshot_take(_COPY_SCHEMA)
        else:
            path = _TMP / "tenancy-world.sqlite3"
            sqlite_snapshot_take(path)
        db.session.rollback()
        _snapshots.append(_Snapshot(
            path=path, org_ids={key: org.id for key, org in world.orgs.items()},
            member_ids={key: user.id for key, user in world.members.items()}, ids=world.ids,
            rows=fingerprint()))
        return world
    snapshot = _snapshots[0]
    db.session.rollback()
    tables = _tables_to_restore(fingerprint().changed_since(snapshot.rows))
    db.session.remove()
    if postgresql:
        postgresql_snapshot_restore(_COPY_SCHEMA, tables)
    else:
        assert snapshot.path is not None
        _sqlite_copy_restore(snapshot.path, tables)
    # One query per kind of object (twelve by primary key were a third of a restore's CPU).
    orgs = {org.id: org for org in db.session.scalars(
        select(Organisation).where(Organisation.id.in_(snapshot.org_ids.values())))}
    users = {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_(snapshot.member_ids.values())))}
    return World(orgs={key: orgs[pk] for key, pk in snapshot.org_ids.items()},
                 members={key: users[pk] for key, pk in snapshot.member_ids.items()},
                 ids={key: dict(ids) for key, ids in snapshot.ids.items()}, make_member=make_member)


@pytest.fixture(scope="module")
def app(_schema) -> Iterator[Any]:
    """One app and one database for the whole matrix; each endpoint starts from the world as built.

    A new app per endpoint (the suite's ``app`` fixture) cost the app's build, emptying the
    database after the endpoint and copying the whole world in again before the next: about
    15 ms of CPU per endpoint, nearly all of it for rows the endpoint did not change. Here
    ``fresh_world`` puts back only the tables that differ from the built world, at the start of
    each endpoint as after each served request that wrote. What the app itself keeps between
    requests is the same for every endpoint, but for the API's rate limit, which counts per app
    and token (300 a minute): one app sends each member's token a few hundred requests, so it
    is off here (the limit has its own tests in tests/api).
    """
    application = make_test_app(API_RATE_LIMIT=0)
    with application.app_context():
        yield application
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


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
        if fingerprint() != before:  # the previous role's request wrote: put back what it changed
            world = fresh_world(make_org, make_member)
            own, before = world.orgs["own"], fingerprint()
        sign_in(client, world.members[("own", role)])
        response = request(client, endpoint, access, own, world.ids["own"])
        assert response.status_code not in (403, 404, 405, 500), (endpoint, role, response.status_code)
