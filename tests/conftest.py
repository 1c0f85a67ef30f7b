"""Shared fixtures: app, client, db, factories, and the live server for browser tests.

Set ``CXGOV_TEST_DATABASE_URL`` to run every test against PostgreSQL instead of the
default SQLite file (``.ci/run`` does both).
"""
from __future__ import annotations

import atexit
import contextlib
import gc
import hashlib
import os
import resource
import shutil
import sqlite3
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from itertools import count
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from flask_sqlalchemy.extension import SQLAlchemy as SQLAlchemyExtension
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.util import LRUCache
from werkzeug.routing import rules as werkzeug_rules

from cxgov import create_app
from cxgov.auth.models import User
from cxgov.catalogues import catalogues_compile
from cxgov.demo import DemoContext, demo_create
from cxgov.extensions import db as _db
from cxgov.framework import catalog as framework_catalog_module
from cxgov.orgs.models import Membership, Organisation, Role
from cxgov.reports import background as report_background
from cxgov.reports import helper as report_helper
from cxgov.reports import services as report_services
from tests.schedule import SameProcessScheduling

# Timing deadlines make property tests flaky on a loaded 2-core CI machine; speed is
# measured by bench/, not by tests.
hypothesis_settings.register_profile("cxgov", deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("cxgov")


#: werkzeug's own ``Rule.compile``, before the memo below replaces it (tests/test_test_url_rules.py).
WERKZEUG_RULE_COMPILE = werkzeug_rules.Rule.compile


def _memoise_rule_compiling() -> None:
    """Let every test app reuse werkzeug's whole compile of each URL rule.

    Each test builds a fresh app, and werkzeug compiles every one of its ~190 URL rules: a parse
    of the rule's text and two Python functions (the URL builders) generated from a syntax tree,
    once 40 % of building an app, and the suite builds one app per test. The result of
    ``Rule.compile`` depends on the rule's text, subdomain and host, the map's host matching and
    converter classes, ``merge_slashes`` and the defaults: the parts and the trace (plain data),
    the converters made (remade here by the rule's own ``get_converter``, so each app's
    converters belong to its own map), the variables, and the two builder functions (bound to
    the rule here). The first rule compiled with a key goes through werkzeug's own ``compile``;
    any other werkzeug keeps its own.
    """
    if not hasattr(werkzeug_rules.Rule, "get_converter"):
        return
    compiled: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def memoised(self: werkzeug_rules.Rule) -> None:
        map_ = self.map
        key = (self.rule, self.subdomain, self.host, map_.host_matching, self.merge_slashes,
               tuple(map_.converters.items()),
               tuple(sorted((name, type(value), repr(value)) for name, value in (self.defaults or {}).items())))
        known = compiled.get(key)
        if known is None:
            made: list[tuple[Any, ...]] = []
            get_converter = self.get_converter

            def recording(variable: str, name: str, args: Any, kwargs: Any) -> Any:
                made.append((variable, name, args, kwargs))
                return get_converter(variable, name, args, kwargs)

            arguments_before = set(self.arguments)
            self.get_converter = recording  # type: ignore[method-assign]
            try:
                WERKZEUG_RULE_COMPILE(self)
            finally:
                del self.get_converter
            compiled[key] = (tuple(self._parts), tuple(self._trace), tuple(made),
                             tuple(self.arguments - arguments_before),
                             self._build.__func__, self._build_unknown.__func__)  # type: ignore[attr-defined]
            return
        parts, trace, made, arguments, build, build_unknown = known
        self._parts = list(parts)
        self._trace = list(trace)
        self._converters = {variable: self.get_converter(variable, name, args, kwargs)
                            for variable, name, args, kwargs in made}
        self.arguments.update(arguments)
        self._build = build.__get__(self, None)
        self._build_unknown = build_unknown.__get__(self, None)

    werkzeug_rules.Rule.compile = memoised  # type: ignore[method-assign]


_memoise_rule_compiling()


#: Catalogues built with uploads that are kept for the next tests (the latest ones used).
_CATALOGUES_WITH_UPLOADS_KEPT = 8


def _memoise_framework_directories() -> None:
    """Let every test app reuse the catalogue built from the same framework files and uploads.

    The app keeps its catalogue for its lifetime; a test gets a new app, and reading the
    shipped frameworks and their translation overlays (pure-Python YAML with line numbers
    for the messages) takes about 0.5 s of CPU: the tenancy matrix alone rebuilt it for each
    of its 200 endpoints. A catalogue is made of what the build reads: the name and bytes of
    each framework file in the directory (it names files by their name only, never by their
    folder) and, with uploads, each upload's id, file name, firm and YAML text. So it is reused
    for the same files in another folder: tests that copy the shipped files into a temporary
    folder of their own (tests/cycles/test_versions.py, 36 tests) built the same catalogue each
    time. A test that edits a file or uploads another framework gets a new one. The files'
    bytes are read again only when a file's name, size or modification time changed (the app's
    own cache key). Catalogues with uploads are many and different: only the last few are kept.
    """
    by_signature: dict[tuple[Any, ...], tuple[Any, ...] | None] = {}
    built: dict[tuple[Any, ...], Any] = {}
    with_uploads: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def files_read(path: Path) -> tuple[Any, ...] | None:
        signature = (str(path.resolve()), framework_catalog_module._directory_signature(path))
        if signature not in by_signature:
            try:
                by_signature[signature] = tuple(
                    (file.name, hashlib.sha256(file.read_bytes()).digest())
                    for file in sorted(path.iterdir())
                    if file.suffix.lower() in framework_catalog_module.FRAMEWORK_SUFFIXES and file.is_file())
            except OSError:  # the build reports an unreadable folder or file: not kept
                by_signature[signature] = None
        return by_signature[signature]

    def memoised(directory: str | Path, uploads: list[Any]) -> Any:
        files = files_read(Path(directory))
        if files is None:
            return build_catalog(directory, uploads)
        if not uploads:
            catalog = built.get(files)
            if catalog is None:
                catalog = built[files] = build_catalog(directory, uploads)
            return catalog
        key = (files, tuple((upload.id, upload.filename, upload.firm, upload.yaml_text) for upload in uploads))
        catalog = with_uploads.pop(key, None)
        if catalog is None:
            catalog = build_catalog(directory, uploads)
        with_uploads[key] = catalog
        while len(with_uploads) > _CATALOGUES_WITH_UPLOADS_KEPT:
            with_uploads.popitem(last=False)
        return catalog

    build_catalog = framework_catalog_module.build_catalog
    framework_catalog_module.build_catalog = memoised  # type: ignore[assignment]


_memoise_framework_directories()


class _SharedTemplateCode(BytecodeCache):
    """Let every test app reuse the Python code Jinja compiled a template to for an earlier one.

    Each test builds a fresh app, so a fresh Jinja environment, which compiles every template
    it renders again: base.html, the macros and the page, 50-100 ms of CPU per test (all 98
    templates: 0.72 s compiled, 0.02 s reused). Jinja's own bytecode cache checks the source's
    checksum, so an edited template compiles afresh; the code also depends on how the
    environment is set up (extensions, autoescape, gettext style, syntax), so that is part
    of the key, and an app set up differently gets its own code.
    """

    def __init__(self) -> None:
        self._code: dict[tuple[Any, ...], Any] = {}

    @staticmethod
    def _setup(env: Environment) -> tuple[Any, ...]:
        autoescape = getattr(env.autoescape, "__func__", env.autoescape)
        finalize = getattr(env.finalize, "__func__", env.finalize)
        return (tuple(sorted(env.extensions)), autoescape, finalize, getattr(env, "newstyle_gettext", None),
                env.block_start_string, env.block_end_string, env.variable_start_string,
                env.variable_end_string, env.comment_start_string, env.comment_end_string,
                env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks,
                env.newline_sequence, env.keep_trailing_newline, env.optimized, env.is_async,
                tuple(sorted(env.filters)), tuple(sorted(env.tests)))

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get((bucket.key, bucket.checksum, self._setup(bucket.environment)))
        if code is not None:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[(bucket.key, bucket.checksum, self._setup(bucket.environment))] = bucket.code


def _share_template_code() -> None:
    """Give every app's Jinja environment the one shared template code cache."""
    shared = _SharedTemplateCode()
    create_environment = Flask.create_jinja_environment

    def create_with_shared_code(self: Flask) -> Any:
        environment = create_environment(self)
        environment.bytecode_cache = shared
        return environment

    Flask.create_jinja_environment = create_with_shared_code  # type: ignore[method-assign]


_share_template_code()


#: Compiled statements shared by the test apps' engines on one database (see below). SQLAlchemy's
#: default is 500 per engine; the suite issues a few thousand distinct statements per process.
_COMPILED_SQL_PER_DATABASE = 5000


def _share_compiled_sql() -> None:
    """Let every test app's engine reuse the SQL that an earlier app's engine compiled.

    Each test builds a fresh app, so Flask-SQLAlchemy makes a fresh engine, and an engine keeps
    its compiled statements in a cache of its own, keyed by its dialect object: every test
    compiled every statement it ran again (Core and ORM compilation, about 25 statements in a
    test that logs in and opens one page: 18 of its 55 ms of CPU). The engines of the apps on
    one database (same URL and engine options) now share the first one's dialect and compiled
    cache (once that engine has connected, so the dialect is initialised), as the threads of one
    production process share their one engine's. Each engine keeps
    its own pool, connections and event listeners (the SQLite pragmas, BEGIN IMMEDIATE), and its
    own dialect still sets up each new connection (the pool's connect handlers were made with it).
    """
    make_engine = SQLAlchemyExtension._make_engine
    shared: dict[tuple[str, str], tuple[Any, LRUCache[Any, Any]]] = {}

    def make_sharing_engine(self: SQLAlchemyExtension, bind_key: str | None, options: dict[str, Any],
                            app: Flask) -> Engine:
        engine = make_engine(self, bind_key, options, app)
        key = (engine.url.render_as_string(hide_password=False),
               repr(sorted((name, value) for name, value in options.items() if name != "url")))
        if key in shared:
            engine.dialect, engine._compiled_cache = shared[key]
            return engine
        engine._compiled_cache = LRUCache(_COMPILED_SQL_PER_DATABASE)

        # Only a dialect that has connected is shared: SQLAlchemy initialises a dialect (server
        # version, default schema and isolation level) in a first-connect handler bound to the
        # engine it was made for, so a first engine that never connects (an app built at
        # collection time only for its URL map) would hand every later engine a blank dialect.
        def share_once_connected(_connection: Any) -> None:
            shared.setdefault(key, (engine.dialect, engine._compiled_cache))

        event.listen(engine, "engine_connect", share_once_connected, once=True)
        return engine

    SQLAlchemyExtension._make_engine = make_sharing_engine  # type: ignore[method-assign]


_share_compiled_sql()

TEST_PASSWORD = "correct horse battery"
#: Free room the memory-backed folder needs before the tests put their files there.
_MEMORY_FOLDER_ROOM = 2 * 1024**3


def _memory_backed_folder() -> str | None:
    """Return /dev/shm when it exists, is writable and has room, else None (the default temp dir).

    /dev/shm is a memory file system (tmpfs) on Linux; its type is not checked.

    The tests' SQLite databases and temporary files went to /tmp, on the disk here: SQLite waits
    for the disk when a connection closes (the last one checkpoints the write-ahead log, which
    syncs) and writes every commit through the file system. Measured on this machine at load
    ~15, per connection closed 16.9 ms of wall time in /tmp and 0.05 ms in /dev/shm; five
    commits 11.2 ms against 0.08 ms, and five times the CPU. Every test closes its app's
    connections and commits several times. A small /dev/shm (a container's is 64 MB by
    default) is not used: the files of a test process take about 60 MB.
    """
    folder = "/dev/shm"
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    if not os.access(folder, os.W_OK | os.X_OK) or stats.f_bavail * stats.f_frsize < _MEMORY_FOLDER_ROOM:
        return None
    return folder


def _killed_runs_folders_remove(parent: Path) -> None:
    """Remove the folders of test processes that were killed before their atexit ran.

    In /dev/shm such a folder (about 60 MB) would hold memory until the machine restarts. Each
    folder names its process in a ``pid`` file; one whose process is gone is removed.
    """
    for folder in parent.glob("cxgov-tests-*"):
        try:
            pid = int((folder / "pid").read_text())
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):  # no pid file yet, or another user's process: left alone
            continue


_TMP = Path(tempfile.mkdtemp(prefix="cxgov-tests-", dir=_memory_backed_folder()))
atexit.register(shutil.rmtree, _TMP, True)  # every temporary file of the run lives here
(_TMP / "pid").write_text(str(os.getpid()))
_killed_runs_folders_remove(_TMP.parent)
# The heavy-work slots (cxgov/ops/limits.py) are lock files in the temporary directory, shared
# by every process of the host on purpose. For tests that meant one PDF at a time across both
# xdist workers and every other checkout's test run on the machine: a render waited up to
# 40 s for someone else's. Each test process (and what it spawns) gets its own temporary
# directory, so its own slots, as if it were a host of its own.
os.environ["TMPDIR"] = str(_TMP)
tempfile.tempdir = None  # read TMPDIR again


def database_url_for_tests() -> str:
    """Return the database the tests use: PostgreSQL when configured, else a SQLite file.

    Under pytest-xdist each worker gets its own PostgreSQL database (``<name>_gw0`` ...).
    """
    configured = os.environ.get("CXGOV_TEST_DATABASE_URL")
    if not configured:
        return f"sqlite:///{_TMP / 'test.sqlite3'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return configured
    url = make_url(configured)
    return url.set(database=f"{url.database}_{worker}").render_as_string(hide_password=False)


def _create_postgres_database_if_missing(url_text: str) -> None:
    """Create a PostgreSQL test database unless it exists; its commits do not wait for the disk.

    ``synchronous_commit = off`` (for this database's sessions only, not the cluster's) lets a
    commit return before its WAL record is flushed: a crash may lose the last few hundred
    milliseconds of commits, never consistency, and a test database is thrown away anyway.
    The suite commits after nearly every request and fixture.
    """
    url = make_url(url_text)
    if url.get_backend_name() != "postgresql":
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                    {"n": url.database}).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        # A speed setting only: a database owned by another role (no right to ALTER it) keeps
        # its own setting instead of failing the whole run.
        with contextlib.suppress(ProgrammingError):
            connection.execute(text(f'ALTER DATABASE "{url.database}" SET synchronous_commit = off'))
    admin.dispose()


def make_test_app(**overrides: Any):
    """Return an app configured for tests (CSRF off unless asked for, fast password hashing)."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url_for_tests(),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": None,
        # Test code reads beside a live server; only requests that write take the lock.
        "SQLITE_IMMEDIATE_OUTSIDE_REQUESTS": False,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def _schema() -> Iterator[None]:
    """Create the schema once per test session (the migrations have their own test)."""
    _create_postgres_database_if_missing(database_url_for_tests())
    app = make_test_app()
    with app.app_context():
        _db.drop_all()
        _reset_alembic(app)
        _db.create_all()
        _db.engine.dispose()
    yield


def _reset_alembic(app) -> None:
    with _db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _empty_all_tables() -> None:
    """Leave every table empty with its ids starting at 1 again, as a fresh schema has them.

    Only what the test used is reset: one statement asks which tables have a row and, on
    PostgreSQL, which id sequences were drawn from (a rolled-back insert moves a sequence too).
    Those tables are emptied with DELETE, children first (foreign keys are on), and those
    sequences restarted. Emptying all ~30 tables was most of the app fixture's teardown: on
    SQLite 5.2 ms of CPU per test, now about 2; on PostgreSQL, TRUNCATE makes new files for
    every table it empties, and with CASCADE one written organisation empties nearly all of
    them: about 1 s of wall time per test on the loaded machine, against 50 ms for DELETE.
    The sequences restart with ``setval(..., 1, false)``: ``ALTER SEQUENCE ... RESTART`` gives
    the sequence a new file too, and a commit that removes a file waits for the disk even with
    ``synchronous_commit`` off (22 ms of wall time per sequence on the loaded machine, setval 0.6).
    """
    tables = _db.metadata.sorted_tables
    with _db.engine.begin() as connection:
        sequences = _id_sequences(connection) if connection.dialect.name == "postgresql" else {}
        probes = []
        for table in tables:
            probes.append(f'EXISTS (SELECT 1 FROM "{table.name}")')
            probes.extend(f'(SELECT is_called FROM "{sequence}")' for sequence in sequences.get(table.name, ()))
        used = iter(connection.exec_driver_sql("SELECT " + ", ".join(probes)).one())
        written, drawn = [], []
        for table in tables:
            if next(used):
                written.append(table.name)
            drawn.extend(sequence for sequence in sequences.get(table.name, ()) if next(used))
        # Children before parents in the metadata's dependency order; this relies on there
        # being no foreign-key cycle (DELETE, unlike TRUNCATE ... CASCADE, would then fail on
        # PostgreSQL): SQLAlchemy warns about such a cycle when it sorts the tables.
        for name in reversed(written):
            connection.exec_driver_sql(f'DELETE FROM "{name}"')
        if drawn:  # setval, not ALTER SEQUENCE ... RESTART: see the docstring
            connection.exec_driver_sql("SELECT " + ", ".join(f"setval('\"{sequence}\"', 1, false)" for sequence in drawn))


_ID_SEQUENCES: dict[str, dict[str, list[str]]] = {}


def _id_sequences(connection) -> dict[str, list[str]]:
    """Return each table's own id sequences (serial or identity columns), read once per database."""
    url = connection.engine.url.render_as_string(hide_password=False)
    if url not in _ID_SEQUENCES:
        rows = connection.exec_driver_sql(
            "SELECT t.relname, s.relname FROM pg_class s"
            " JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass"
            " AND d.refclassid = 'pg_class'::regclass"
            " JOIN pg_class t ON t.oid = d.refobjid"
            " WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace"
        ).all()
        found: dict[str, list[str]] = {}
        for table, sequence in rows:
            found.setdefault(table, []).append(sequence)
        _ID_SEQUENCES[url] = found
    return _ID_SEQUENCES[url]


@pytest.fixture
def app(_schema, request) -> Iterator[Any]:
    """A fresh app on an empty database; extra config via ``@pytest.mark.app_config(...)``."""
    marker = request.node.get_closest_marker("app_config")
    application = make_test_app(**(marker.kwargs if marker else {}))
    with application.app_context():
        yield application
        _report_layouts_wait()
        _db.session.remove()
        _empty_all_tables()
        _db.engine.dispose()


def _report_layouts_wait() -> None:
    """Wait for the PDF layouts a test queued in the background (issuing without REPORT_RENDER_SYNC).

    A layout still running after its test ended stored its PDF into the next test's version with
    the same id (ids start at 1 again), a failure in an unrelated test. The pool has one worker,
    so a no-op queued behind the layouts runs when they are done.
    """
    executor = report_background._executor
    if executor is not None:
        executor.submit(lambda: None).result(timeout=300)


@pytest.fixture
def db(app):
    """The Flask-SQLAlchemy object, bound to the test app."""
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_seq = count(1)


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    """Create a user who can log in with TEST_PASSWORD."""

    def factory(**kw: Any) -> User:
        n = next(_seq)
        user = User(email=kw.pop("email", f"user{n}@example.com"), name=kw.pop("name", f"User {n}"), **kw)
        user.set_password(TEST_PASSWORD)
        _db.session.add(user)
        _db.session.commit()
        return user

    return factory


@pytest.fixture
def make_org(app, make_user) -> Callable[..., Organisation]:
    """Create an organisation (with a consultant member unless ``consultant=None``)."""

    def factory(**kw: Any) -> Organisation:
        n = next(_seq)
        consultant = kw.pop("consultant", "new")
        org = Organisation(slug=kw.pop("slug", f"org-{n}"), name=kw.pop("name", f"Org {n}"), **kw)
        _db.session.add(org)
        _db.session.flush()
        if consultant == "new":
            consultant = make_user(is_consultant=True)
        if consultant is not None:
            _db.session.add(Membership(user_id=consultant.id, org_id=org.id, role=Role.CONSULTANT))
        _db.session.commit()
        return org

    return factory


@pytest.fixture
def make_member(app, make_user) -> Callable[..., User]:
    """Create a user who is a member of ``org`` with ``role``."""

    def factory(org: Organisation, role: Role | str = Role.SPONSOR, **kw: Any) -> User:
        user = make_user(**kw)
        _db.session.add(Membership(user_id=user.id, org_id=org.id, role=Role(role)))
        _db.session.commit()
        return user

    return factory


FAKE_PDF = b"%PDF-1.7 fake: laid out by tests.conftest.pdf_layout_fake"


def _fake_pdf_layout(document: str, accent: str, assets: Any = None, *, tagged: bool = True) -> tuple[bytes, int]:
    return FAKE_PDF, 1


def pdf_layout_fake(patch: pytest.MonkeyPatch) -> None:
    """Make report PDFs a few fixed bytes, for tests that check who is served, not the layout.

    A real layout takes about a second of CPU. Only WeasyPrint's part is faked: the report's
    context and its PDF HTML are still built for every download, issue and version, live or
    cached, whichever module asks (reports.services and reports.versions both go through
    ``reports.helper``). The layout itself is tested in tests/reports.
    """
    patch.setattr(report_helper, "render_document", _fake_pdf_layout)
    patch.setattr(report_services, "heavy_slot", contextlib.nullcontext)  # a fake layout is light


#: PostgreSQL: the schema in the test database that holds the demo workspace's rows.
_DEMO_SCHEMA = "demo_template"


@dataclass(frozen=True)
class _DemoTemplate:
    """The demo workspace as built once: where its copy is, and what finds its objects again."""

    built_on: date  # the demo's dates are relative to today: a new day builds it again
    path: Path | None  # SQLite: a backup file; PostgreSQL: the schema _DEMO_SCHEMA of the test database
    org_id: int
    consultant_id: int
    member_ids: dict[str, int]
    groups: dict[str, str]


#: One template per test database (each xdist worker has its own database).
_demo_templates: dict[str, _DemoTemplate] = {}


def sqlite_snapshot_take(path: Path) -> None:
    """Copy the current app's SQLite database into the file ``path`` (the backup API, at once).

    Shared by the copied demo workspace and the tenancy matrix's world.
    """
    connection = _db.engine.raw_connection()
    try:
        with contextlib.closing(sqlite3.connect(path)) as copy:
            connection.driver_connection.backup(copy)
    finally:
        connection.close()


def postgresql_snapshot_take(schema: str) -> None:
    """Copy every table's rows and every id sequence's position into ``schema`` (PostgreSQL).

    Shared by the copied demo workspace and the tenancy matrix's world.
    """
    with _db.engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        for table in _db.metadata.sorted_tables:
            connection.exec_driver_sql(f'CREATE TABLE "{schema}"."{table.name}" AS TABLE "{table.name}"')
        # Every sequence, also one never drawn from (last_value NULL): put back as not called.
        connection.exec_driver_sql(
            f'CREATE TABLE "{schema}".sequence_position AS'
            " SELECT schemaname || '.' || sequencename AS name, last_value, start_value FROM pg_sequences"
            " WHERE schemaname = current_schema()")


def postgresql_snapshot_restore(schema: str, tables: list[Any]) -> None:
    """Put ``tables`` (parents first) back from ``schema``'s copy, and every id sequence where it was."""
    with _db.engine.begin() as connection:
        for table in reversed(tables):
            connection.exec_driver_sql(f'DELETE FROM "{table.name}"')
        for table in tables:
            connection.exec_driver_sql(
                f'INSERT INTO "{table.name}" OVERRIDING SYSTEM VALUE SELECT * FROM "{schema}"."{table.name}"')
        connection.exec_driver_sql(
            "SELECT setval(name::regclass, coalesce(last_value, start_value), last_value IS NOT NULL)"
            f' FROM "{schema}".sequence_position')


def demo_workspace_copy() -> DemoContext:
    """Put the demo workspace into the current app's empty database (committed) and return its context.

    ``cxgov.demo.demo_create`` costs about 0.8 s of CPU (nine quarters closed through the real
    services) and ~15 tests need the demo. The first call in a test process builds it for real,
    in an app with the default test configuration (whatever the calling test's app config), and
    keeps a copy: a SQLite backup file, or on PostgreSQL a schema of the test database with every
    table's rows and every id sequence's position. Later calls restore that copy (a few
    milliseconds), so each test still gets a fresh, writable demo with the same ids. The database
    must be empty: the copy replaces it, so a test's earlier rows would be lost (an error instead).
    The demo's own tests (tests/cycles/test_csrf_and_demo.py, test_versions.py, the second build
    in tests/actions/test_actions.py) still call ``demo_create`` under their conditions.
    """
    _db.session.remove()
    url = _db.engine.url.render_as_string(hide_password=False)
    postgresql = _db.engine.dialect.name == "postgresql"
    with _db.engine.connect() as connection:
        used = [table.name for table, has_rows in zip(_db.metadata.sorted_tables, connection.exec_driver_sql(
            "SELECT " + ", ".join(f'EXISTS (SELECT 1 FROM "{table.name}")' for table in _db.metadata.sorted_tables)
        ).one()) if has_rows]
    if used:
        raise RuntimeError(f"the demo workspace is copied into an empty database; these tables have rows: {used}")
    template = _demo_templates.get(url)
    if template is None or template.built_on != date.today():
        template = _demo_templates[url] = _demo_template_build(url, postgresql=postgresql)
    elif postgresql:
        postgresql_snapshot_restore(_DEMO_SCHEMA, _db.metadata.sorted_tables)
    else:
        _db.engine.dispose()
        connection = _db.engine.raw_connection()
        try:
            with contextlib.closing(sqlite3.connect(template.path)) as copy:
                copy.backup(connection.driver_connection)
        finally:
            connection.close()
    return DemoContext(org=_db.session.get_one(Organisation, template.org_id),
                       consultant=_db.session.get_one(User, template.consultant_id),
                       members={email: _db.session.get_one(User, pk) for email, pk in template.member_ids.items()},
                       groups=dict(template.groups))


def _demo_template_build(url: str, *, postgresql: bool) -> _DemoTemplate:
    """Build the demo in the (empty) database at ``url`` with a default test app and keep a copy of it."""
    builder = make_test_app(SQLALCHEMY_DATABASE_URI=url)
    with builder.app_context():
        context = demo_create()
        _db.session.commit()
        ids = dict(org_id=context.org.id, consultant_id=context.consultant.id,
                   member_ids={email: user.id for email, user in context.members.items()}, groups=dict(context.groups))
        _db.session.remove()
        path = None
        if postgresql:
            postgresql_snapshot_take(_DEMO_SCHEMA)
        else:
            path = Path(tempfile.mkstemp(prefix="demo-template-", suffix=".sqlite3", dir=_TMP)[1])
            sqlite_snapshot_take(path)
        _db.engine.dispose()
    return _DemoTemplate(built_on=date.today(), path=path, **ids)


@pytest.fixture
def demo_workspace(app) -> DemoContext:
    """The demo workspace in the test's database, copied from one built once per test process."""
    return demo_workspace_copy()


def login_as(client, user: User) -> None:
    """Log ``client`` in as ``user`` without going through the login form."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def login():
    return login_as


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` (make test): tests that share a costly per-process fixture run in one
    process; see tests/schedule.py."""
    if config.getvalue("dist") == "loadgroup":
        return SameProcessScheduling(config, log)
    return None


def pytest_addoption(parser):
    parser.addoption("--cpu-durations", type=int, default=0, metavar="N",
                     help="show the N tests that took the most CPU time (setup, call and teardown, "
                          "child processes included); on a shared machine wall times mostly show the load")


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


#: The cyclic collector's thresholds in a test process (Python's are 700, 10, 10); see below.
_GC_THRESHOLDS = (50_000, 20, 20)
# Every test builds an app (~190 URL rules, an engine, Jinja and Babel objects: tens of thousands
# of container objects), so with Python's thresholds the collector ran its young generations a
# few dozen times per test, walking objects that were still in use, and each test ends with a
# full collection anyway (below). Less often: on tests/cycles (57 tests) the collector's time
# fell from 1.0-1.1 s to 0.4 s of CPU (gc.callbacks); a young generation now holds at most
# ~50,000 objects (a few MB) before it is walked.
gc.set_threshold(*_GC_THRESHOLDS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    item.stash[_CPU_START] = _cpu_seconds()
    yield
    # What outlives a test is the process's long-lived state (imported modules, the memoised
    # catalogue, templates, session fixtures): collect the test's garbage once, then freeze the
    # survivors so that later full collections stop walking them again. Full collections were
    # 15 % of the CPU of tests/test_tenancy.py + tests/reports/test_versions.py (11.7 of 75.9 s,
    # 43 of them at 0.27 s each); with this the collector costs 5.9 s and the run 65.0 s.
    # Only here, after the whole protocol: pytest lets go of the test's fixture values (its app,
    # client, database objects) after teardown, and frozen in the teardown hook they stayed
    # alive for the rest of the process, about 1.35 MB a test (review-7 F1).
    gc.collect()
    gc.freeze()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    if nextitem is None:
        # The process's last test also tears down the session's fixtures, and the child processes
        # they stop are reaped then: the browser fixture's Playwright driver brings the CPU of
        # every browser test of the process with it (40 s of "tenancy" CPU on CI). A session
        # finalizer added now runs first among them, after this test's own teardown, and marks
        # where the test's share ends.
        def session_teardown_starts() -> None:
            item.stash[_SESSION_TEARDOWN_START] = _cpu_seconds()

        with contextlib.suppress(AssertionError):  # the session was never set up: nothing to split
            item.session.addfinalizer(session_teardown_starts)
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "teardown" and _CPU_START in item.stash:
        end = _cpu_seconds()
        own_end = item.stash.get(_SESSION_TEARDOWN_START, end)
        # a report property travels from a pytest-xdist worker to the controller, which prints it
        report.user_properties.append(("cpu_seconds", own_end - item.stash[_CPU_START]))
        if _SESSION_TEARDOWN_START in item.stash:
            report.user_properties.append(("session_teardown_cpu_seconds", end - own_end))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    shown = config.getoption("--cpu-durations")
    if not shown:
        return
    spent = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            properties = dict(getattr(report, "user_properties", ()))
            if getattr(report, "when", None) != "teardown" or "cpu_seconds" not in properties:
                continue
            spent.append((properties["cpu_seconds"], report.nodeid))
            if "session_teardown_cpu_seconds" in properties:  # no test's: the process's shared fixtures
                spent.append((properties["session_teardown_cpu_seconds"],
                              f"(end of the test process that ran {report.nodeid} last: "
                              "session fixtures torn down, their child processes reaped)"))
    spent.sort(reverse=True)
    terminalreporter.write_sep("=", f"{shown} tests that took the most CPU time (of {sum(s for s, _ in spent):.1f} s)")
    for seconds, nodeid in spent[:shown]:
        terminalreporter.write_line(f"{seconds:8.2f}s cpu  {nodeid}")


_CPU_START = pytest.StashKey[float]()
_SESSION_TEARDOWN_START = pytest.StashKey[float]()


def pytest_configure(config):
    # The .mo files are build output, not committed: a fresh worktree has none, and a pulled
    # .po is newer than its .mo. Compiling the stale ones here (atomically, so parallel workers
    # may race) lets `pytest` alone show every language, as `make test` does.
    catalogues_compile()
    # `flask` commands speak the shell's language (cxgov.i18n.cli_language); tests expect English
    # whatever the developer's LANG is. Tests of the CLI language set CXGOV_LANG themselves.
    os.environ["CXGOV_LANG"] = "en"
    config.addinivalue_line("markers", "app_config(**kw): config overrides for the app fixture")
    config.addinivalue_line("markers", "e2e: browser test (Playwright + Debian's Chromium)")
