"""Load and fault test: gunicorn on loopback, the demo data, 25 simulated users, SIGKILLed workers.

    .venv/bin/python bench/load_test.py                      # SQLite, 180 s of mixed load
    .venv/bin/python bench/load_test.py --kill-every 10      # the same while a worker is SIGKILLed every 10 s
    .venv/bin/python bench/load_test.py --postgres postgresql+psycopg://cxgov:cxgov@127.0.0.1:5432/cxgov_bench
    .venv/bin/python bench/load_test.py --seconds 60         # shorter
    .venv/bin/python bench/load_test.py --pdf-uncached       # every PDF download is laid out anew

What it does (everything on 127.0.0.1, bounded, stops by itself):

1. builds a fresh database with the demo workspace (SQLite: a file in a temporary folder;
   PostgreSQL: the database you name is EMPTIED first), adds one ambassador per simulated user
   who is also a respondent of the open cycle, and writes an organisation export for imports;
2. starts ``gunicorn -c gunicorn.conf.py wsgi:app`` on a free loopback port (production
   settings: CSRF on, gthread workers);
3. runs the simulated users, each logged in through the login form, for ``--seconds``:
   70 % page reads (org overview, register lists, matrix, history, cycle dashboard, reports),
   25 % writes (answer autosaves of the open cycle; touchpoint edits through the edit form),
   5 % downloads (the gap report PDF, the cycle XLSX; with ``--pdf-uncached`` the harness
   empties the PDF cache before each PDF download, so every one is rendered). A think time between requests
   (``--think``, default 0.5-1.5 s) makes them users rather than a flood; ``--think 0`` floods.
   One more client, the consultant, imports the organisation export every ``--import-every`` s
   under a new short name (an all-or-nothing import that a SIGKILL may hit half-way);
4. with ``--kill-every N`` SIGKILLs a random gunicorn worker every N seconds;
5. stops gunicorn and checks the database directly: every acknowledged write (a 2xx answer
   save, a redirect after a touchpoint edit) is there with its value (or a later value the
   same client tried while a worker died under it), every import is complete or absent, and
   the database passes its integrity check;
6. prints requests/s, p50/p95/p99 per kind, errors by kind (5xx, "database is locked",
   connection reset), lost acknowledged writes, and the integrity check. Exit status 1 when a
   target is missed: a lost write, a "database is locked", a 5xx, or an import half there.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BOUNDARY = "----cxgovbench7e3f"
PAGE_KINDS = ("overview", "touchpoints", "people", "journeys", "matrix", "history", "dashboard", "reports")
#: Connection failures: the worker serving the request died (or was restarting).
CONNECTION_ERRORS = (ConnectionResetError, ConnectionRefusedError, BrokenPipeError,
                     http.client.RemoteDisconnected, http.client.IncompleteRead, http.client.BadStatusLine)


# --- preparing the database ------------------------------------------------------------------------

@dataclass
class Fixture:
    """What the clients need to know about the demo data."""

    db_url: str
    slug: str
    open_cycle: int
    closed_cycle: int
    practices: list[str]
    users: list[str]  # one ambassador-respondent per simulated user
    consultant: str
    password: str
    touchpoints: list[int]
    export_file: Path


def prepare(db_url: str, users: int, workdir: Path) -> Fixture:
    """Create the schema and the demo workspace, plus one ambassador-respondent per user."""
    from sqlalchemy import select

    from cxgov import create_app
    from cxgov.cycles import services as cycle_services
    from cxgov.cycles.models import Cycle
    from cxgov.demo import DEMO_CONSULTANT, DEMO_PASSWORD, DEMO_SLUG, demo_create
    from cxgov.extensions import db
    from cxgov.orgs.models import Membership, Role
    from cxgov.ops.transfer import org_export
    from cxgov.register.models import Touchpoint
    from cxgov.auth.services import user_create

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        context = demo_create()
        org = context.org
        cycles = db.session.scalars(select(Cycle).where(Cycle.org_id == org.id).order_by(Cycle.period)).all()
        open_cycle = next(c for c in cycles if c.status == "open")
        closed_cycle = [c for c in cycles if c.status == "closed"][-1]
        emails = []
        for n in range(users):
            email = f"bench{n:02d}@bench.example"
            user = user_create(email=email, name=f"Bench User {n:02d}", password=DEMO_PASSWORD)
            db.session.add(Membership(user_id=user.id, org_id=org.id, role=Role.AMBASSADOR))
            db.session.flush()
            cycle_services.respondent_invite(cycle=open_cycle, org=org, user_id=user.id,
                                             group=("leadership", "management", "front_line")[n % 3])
            emails.append(email)
        practices = [p.id for p in cycle_services.cycle_framework(open_cycle).practices]
        touchpoints = list(db.session.scalars(select(Touchpoint.id).where(Touchpoint.org_id == org.id,
                                                                            Touchpoint.active.is_(True))
                                              .order_by(Touchpoint.id)))
        db.session.commit()
        export_file = workdir / "import.cxgov.json.gz"
        export_file.write_bytes(org_export(org=org))
        db.session.commit()
        fixture = Fixture(db_url=db_url, slug=DEMO_SLUG, open_cycle=open_cycle.id, closed_cycle=closed_cycle.id,
                          practices=practices, users=emails, consultant=DEMO_CONSULTANT, password=DEMO_PASSWORD,
                          touchpoints=touchpoints, export_file=export_file)
        db.session.remove()
        db.engine.dispose()
    return fixture


# --- the server ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with the repository's config, on loopback."""

    def __init__(self, db_url: str, workdir: Path, workers: int | None) -> None:
        self.port = free_port()
        self.error_log = workdir / "gunicorn-error.log"
        self.access_log = workdir / "gunicorn-access.log"
        env = dict(os.environ, CXGOV_DATABASE_URL=db_url, CXGOV_SECRET_KEY="bench-secret-key",
                   CXGOV_BIND=f"127.0.0.1:{self.port}", CXGOV_ACCESS_LOG=str(self.access_log),
                   CXGOV_ERROR_LOG=str(self.error_log), CXGOV_SECURITY_LOG=str(workdir / "security.log"))
        if workers:
            env["CXGOV_WORKERS"] = str(workers)
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.error_log}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not become healthy in time")

    def workers(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- a small HTTP client with cookies ----------------------------------------------------------------

class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Session:
    """One browser: keep-alive connection and cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None
        self.last_used = 0.0
        #: when the current connection was opened: a worker killed since then explains its failure
        self.opened = 0.0

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.connection is not None and time.monotonic() - self.last_used > 4:
            # gunicorn closes idle keep-alive connections after 5 s; a browser opens a new one
            self.connection.close()
            self.connection = None
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.opened = time.monotonic()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            raw = self.connection.getresponse()
            data = raw.read()
        except BaseException:
            self.connection.close()
            self.connection = None
            raise
        finally:
            self.last_used = time.monotonic()
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if val == "" or "Expires=Thu, 01 Jan 1970" in value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = val
        if raw.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]) -> Response:
        return self.request("POST", path, urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, path: str, payload: dict[str, Any], csrf: str) -> Response:
        return self.request("POST", path, json.dumps(payload).encode(),
                            {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf})

    def post_file(self, path: str, fields: dict[str, str], name: str, filename: str, data: bytes) -> Response:
        parts = []
        for key, value in fields.items():
            parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/gzip\r\n\r\n".encode() + data + b"\r\n")
        parts.append(f"--{BOUNDARY}--\r\n".encode())
        return self.request("POST", path, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})


class FormParser(HTMLParser):
    """The values a browser would submit for the first POST form of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._form: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = {}
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form[a["name"]] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self._form[a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.setdefault(self._select, "")
        elif tag == "option" and self._select is not None and "selected" in a:
            self._form[self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form[self._textarea] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form is not None:
            self._form[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_values(html: str, must_have: str) -> dict[str, str] | None:
    parser = FormParser()
    parser.feed(html)
    return next((f for f in parser.forms if must_have in f), None)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    return match.group(1) if match else ""


# --- recording ---------------------------------------------------------------------------------------

@dataclass
class Record:
    kind: str
    started: float
    seconds: float
    status: int | None
    error: str | None = None
    detail: str = ""
    #: when the connection used was opened (a kill after that explains a connection error)
    connection_opened: float = 0.0


@dataclass
class Ledger:
    """Every request and every acknowledged write, shared by the clients."""

    records: list[Record] = field(default_factory=list)
    #: (user, practice) -> [(choice, version, acknowledged)] in the order the client sent them
    answers: dict[tuple[str, str], list[tuple[str, int | None, bool]]] = field(default_factory=lambda: defaultdict(list))
    #: touchpoint id -> [(kpi_target, acknowledged)]
    edits: dict[int, list[tuple[str, bool]]] = field(default_factory=lambda: defaultdict(list))
    #: slug -> "acknowledged" | "refused" | "unknown"
    imports: dict[str, str] = field(default_factory=dict)
    kills: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)


class CacheBuster:
    """``--pdf-uncached``: empty the closed cycle's PDF cache before a download (the harness's own
    connection), so that every PDF is laid out: the worst case for the pages served meanwhile."""

    def __init__(self, db_url: str, cycle_id: int) -> None:
        from sqlalchemy import create_engine

        sqlite = db_url.startswith("sqlite")
        self.engine = create_engine(db_url, connect_args={"timeout": 15} if sqlite else {})
        self.cycle_id = cycle_id

    def __call__(self) -> None:
        from sqlalchemy import text

        with self.engine.begin() as connection:
            connection.execute(text("DELETE FROM report_pdf_cache WHERE cycle_id = :c"), {"c": self.cycle_id})


class Client(threading.Thread):
    """One simulated user: logs in, then reads, writes and downloads until the deadline."""

    def __init__(self, n: int, email: str, fixture: Fixture, port: int, ledger: Ledger, deadline: float,
                 think: tuple[float, float], seed: int, bust_pdf_cache: CacheBuster | None = None) -> None:
        super().__init__(daemon=True, name=f"client-{n}")
        self.bust_pdf_cache = bust_pdf_cache
        self.n, self.email, self.fixture, self.ledger, self.deadline = n, email, fixture, ledger, deadline
        self.session = Session(port)
        self.think = think
        self.rng = random.Random(seed)
        self.versions: dict[str, int] = {}
        self.csrf = ""
        self.my_touchpoints = fixture.touchpoints[n::max(1, len(fixture.users))] or fixture.touchpoints[:1]
        self.counter = 0

    # every request goes through here, so that each is timed and its failure classified
    def timed(self, kind: str, call, detail: str = "") -> Response | None:
        started = time.monotonic()
        opened = self.session.opened if self.session.connection is not None else started
        try:
            response = call()
        except (socket.timeout, TimeoutError):
            self.ledger.add(Record(kind, started, time.monotonic() - started, None, "timeout", detail, opened))
            return None
        except (*CONNECTION_ERRORS, OSError) as error:
            self.ledger.add(Record(kind, started, time.monotonic() - started, None,
                                   f"connection reset ({type(error).__name__})", detail, opened))
            return None
        error = None
        if response.status >= 500:
            error = "5xx"
        self.ledger.add(Record(kind, started, time.monotonic() - started, response.status, error, detail))
        return response

    def login(self) -> bool:
        for _attempt in range(20):
            page = self.timed("login", lambda: self.session.get("/login"))
            if page is None or page.status != 200:
                time.sleep(0.5)
                continue
            response = self.timed("login", lambda: self.session.post_form(
                "/login", {"csrf_token": csrf_of(page.text), "email": self.email, "password": self.fixture.password}))
            if response is not None and response.status == 302:
                return True
            time.sleep(0.5)
        return False

    def run(self) -> None:
        if not self.login():
            return
        base = f"/o/{self.fixture.slug}"
        pages = {
            "overview": f"{base}/", "touchpoints": f"{base}/register/touchpoints",
            "people": f"{base}/register/people", "journeys": f"{base}/register/journeys",
            "matrix": f"{base}/register/matrix", "history": f"{base}/register/history",
            "dashboard": f"{base}/cycles/{self.fixture.open_cycle}/", "reports": f"{base}/reports/",
        }
        self.refresh_csrf(base)
        while time.monotonic() < self.deadline:
            roll = self.rng.random()
            if roll < 0.70:
                kind = self.rng.choice(PAGE_KINDS)
                self.timed("page", lambda: self.session.get(pages[kind]), kind)
            elif roll < 0.95:
                if self.rng.random() < 0.6:
                    self.answer_save(base)
                else:
                    self.touchpoint_edit(base)
            else:
                if self.rng.random() < 0.5:
                    if self.bust_pdf_cache is not None:
                        self.bust_pdf_cache()
                    self.timed("pdf", lambda: self.session.get(f"{base}/reports/{self.fixture.closed_cycle}/report.pdf"))
                else:
                    self.timed("xlsx", lambda: self.session.get(f"{base}/cycles/{self.fixture.closed_cycle}/export.xlsx"))
            low, high = self.think
            if high > 0:
                time.sleep(min(self.rng.uniform(low, high), max(0.0, self.deadline - time.monotonic())))

    def refresh_csrf(self, base: str) -> None:
        page = self.timed("page", lambda: self.session.get(f"{base}/cycles/{self.fixture.open_cycle}/answer"), "answer")
        if page is not None and page.status == 200:
            self.csrf = csrf_of(page.text)

    def answer_save(self, base: str) -> None:
        if not self.csrf:
            self.refresh_csrf(base)
        practice = self.rng.choice(self.fixture.practices)
        choice = self.rng.choice(["1", "2", "3", "4", "5", "na", "dont_know"])
        key = (self.email, practice)
        version = self.versions.get(practice, 0)
        entry_index = len(self.ledger.answers[key])
        self.ledger.answers[key].append((choice, None, False))
        response = self.timed("answer_save", lambda: self.session.post_json(
            f"{base}/cycles/{self.fixture.open_cycle}/answer/save",
            {"practice_id": practice, "choice": choice, "version": version}, self.csrf))
        if response is None:
            return  # unknown: the worker may have committed it before it died
        if response.status == 200:
            saved = json.loads(response.body)["current"]
            self.versions[practice] = saved["version"]
            self.ledger.answers[key][entry_index] = (saved["choice"], saved["version"], saved["choice"] == choice)
        elif response.status == 409:
            current = json.loads(response.body).get("current") or {}
            self.versions[practice] = current.get("version", version)
            self.ledger.answers[key][entry_index] = (choice, None, False)
            self.ledger.answers[key].append((current.get("choice", ""), current.get("version"), False))
        else:
            self.ledger.answers[key].pop(entry_index)
            if response.status == 400:
                self.refresh_csrf(base)  # the page that carried the token was lost: reload it

    def touchpoint_edit(self, base: str) -> None:
        touchpoint = self.rng.choice(self.my_touchpoints)
        page = self.timed("edit_form", lambda: self.session.get(f"{base}/register/touchpoints/{touchpoint}/edit"))
        if page is None or page.status != 200:
            return
        values = form_values(page.text, "version_id")
        if values is None:
            return
        self.counter += 1
        marker = f"bench-{self.n}-{self.counter}"
        values["kpi_target"] = marker
        self.ledger.edits[touchpoint].append((marker, False))
        index = len(self.ledger.edits[touchpoint]) - 1
        response = self.timed("register_edit", lambda: self.session.post_form(
            f"{base}/register/touchpoints/{touchpoint}/edit", values))
        if response is not None and response.status in (302, 303):
            self.ledger.edits[touchpoint][index] = (marker, True)
        elif response is not None:
            self.ledger.edits[touchpoint].pop(index)  # refused (e.g. 409): not a write


class Importer(threading.Thread):
    """The consultant imports the organisation export under a new short name now and then."""

    def __init__(self, fixture: Fixture, port: int, ledger: Ledger, deadline: float, every: float) -> None:
        super().__init__(daemon=True, name="importer")
        self.fixture, self.ledger, self.deadline, self.every = fixture, ledger, deadline, every
        self.session = Session(port)
        self.data = fixture.export_file.read_bytes()

    def run(self) -> None:
        client = Client(-1, self.fixture.consultant, self.fixture, self.session.port, self.ledger, self.deadline,
                        (0, 0), 0)
        client.session = self.session
        if not client.login():
            return
        n = 0
        next_at = time.monotonic() + self.every / 2
        while time.monotonic() < self.deadline - 5:
            time.sleep(max(0.0, min(next_at, self.deadline) - time.monotonic()))
            if time.monotonic() >= self.deadline - 5:
                break
            next_at += self.every
            n += 1
            slug = f"bench-import-{n}"
            page = client.timed("import", lambda: self.session.get("/orgs/import"))
            if page is None or page.status != 200:
                continue
            self.ledger.imports[slug] = "unknown"
            response = client.timed("import", lambda: self.session.post_file(
                "/orgs/import", {"csrf_token": csrf_of(page.text), "slug": slug}, "file", "import.cxgov.json.gz",
                self.data))
            if response is not None and response.status == 200 and "was imported" in response.text:
                self.ledger.imports[slug] = "acknowledged"
            elif response is not None:
                self.ledger.imports[slug] = "refused"


class Killer(threading.Thread):
    """SIGKILL a random gunicorn worker every N seconds."""

    def __init__(self, server: Server, ledger: Ledger, deadline: float, every: float, seed: int) -> None:
        super().__init__(daemon=True, name="killer")
        self.server, self.ledger, self.deadline, self.every = server, ledger, deadline, every
        self.rng = random.Random(seed)

    def run(self) -> None:
        next_at = time.monotonic() + self.every
        while True:
            time.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() >= self.deadline:
                return
            next_at += self.every
            workers = self.server.workers()
            if workers:
                victim = self.rng.choice(workers)
                try:
                    os.kill(victim, signal.SIGKILL)
                    self.ledger.kills.append(time.monotonic())
                except ProcessLookupError:
                    pass


# --- checking and reporting --------------------------------------------------------------------------

def verify(fixture: Fixture, ledger: Ledger, export_counts: dict[str, int]) -> dict[str, Any]:
    """Compare every acknowledged write with the database; check imports and integrity."""
    from sqlalchemy import create_engine, func, select, text

    from cxgov import create_app
    from cxgov.auth.models import User
    from cxgov.cycles import services as cycle_services
    from cxgov.cycles.models import Answer, Respondent
    from cxgov.extensions import db
    from cxgov.orgs.models import Organisation
    from cxgov.register.models import Touchpoint

    app = create_app({"SQLALCHEMY_DATABASE_URI": fixture.db_url, "SECRET_KEY": "bench"})
    lost: list[str] = []
    checked_answers = checked_edits = 0
    with app.app_context():
        rows = db.session.execute(
            select(User.email, Answer.practice_id, Answer).join(Respondent, Respondent.user_id == User.id)
            .join(Answer, Answer.respondent_id == Respondent.id)
            .where(Answer.cycle_id == fixture.open_cycle)).all()
        stored = {(email, practice): (cycle_services.answer_choice(answer), answer.version_id)
                  for email, practice, answer in rows}
        for key, attempts in ledger.answers.items():
            acked = [i for i, (_c, _v, ok) in enumerate(attempts) if ok]
            if not acked:
                continue
            checked_answers += 1
            last = acked[-1]
            allowed = {attempts[last][0]} | {c for c, _v, _ok in attempts[last + 1:]}
            value = stored.get(key, ("", 0))[0]
            if value not in allowed:
                lost.append(f"answer {key}: acknowledged {attempts[last][0]!r}, database has {value!r}")
        kpis = dict(db.session.execute(select(Touchpoint.id, Touchpoint.kpi_target)
                                       .where(Touchpoint.id.in_(list(ledger.edits) or [0]))).all())
        for touchpoint, attempts in ledger.edits.items():
            acked = [i for i, (_m, ok) in enumerate(attempts) if ok]
            if not acked:
                continue
            checked_edits += 1
            last = acked[-1]
            allowed = {attempts[last][0]} | {m for m, _ok in attempts[last + 1:]}
            if kpis.get(touchpoint) not in allowed:
                lost.append(f"touchpoint {touchpoint}: acknowledged {attempts[last][0]!r}, "
                            f"database has {kpis.get(touchpoint)!r}")
        import_problems = []
        import_states = Counter()
        for slug, state in ledger.imports.items():
            org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
            if org is None:
                import_states["absent"] += 1
                if state == "acknowledged":
                    import_problems.append(f"{slug}: acknowledged but absent")
                continue
            import_states["complete" if state != "unknown" else "complete (response lost)"] += 1
            for name, expected in export_counts.items():
                table = db.metadata.tables[name]
                if name == "organisation" or "org_id" not in table.c:
                    continue
                have = db.session.scalar(select(func.count()).select_from(table).where(table.c.org_id == org.id))
                # the importing consultant gets a membership if the file lacks one
                if have != expected and not (name == "membership" and have == expected + 1):
                    import_problems.append(f"{slug}: {name} has {have} rows, the file {expected}")
        db.session.rollback()  # end the reads above before checking the file
        engine = db.engine
        if engine.dialect.name == "sqlite":
            import sqlite3

            with sqlite3.connect(engine.url.database) as check:
                integrity = ", ".join(r[0] for r in check.execute("PRAGMA integrity_check"))
                fk_problems = check.execute("PRAGMA foreign_key_check").fetchall()
            integrity = f"PRAGMA integrity_check: {integrity}; foreign_key_check: {len(fk_problems)} problems"
        else:
            with engine.connect() as connection:
                counts = {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
                          for t in db.metadata.sorted_tables}
            integrity = (f"PostgreSQL: every table readable ({sum(counts.values())} rows); foreign keys and "
                         "unique constraints are enforced by the server")
        db.session.remove()
        engine.dispose()
    return {"lost": lost, "checked_answers": checked_answers, "checked_edits": checked_edits,
            "imports": dict(import_states), "import_problems": import_problems, "integrity": integrity}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


_ACCESS_LINE = re.compile(r'"(\w+) (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+)ms')


def server_side_times(access_log: Path) -> dict[str, list[float]]:
    """Return gunicorn's own request times (ms) per kind: the server's share of the latency."""
    times: dict[str, list[float]] = defaultdict(list)
    if not access_log.exists():
        return times
    for line in access_log.read_text(errors="replace").splitlines():
        match = _ACCESS_LINE.search(line)
        if not match:
            continue
        method, path, _status, ms = match.groups()
        if "/answer/save" in path:
            kind = "answer_save"
        elif re.search(r"/touchpoints/\d+/edit", path):
            kind = "register_edit" if method == "POST" else "edit_form"
        elif path.endswith("report.pdf"):
            kind = "pdf"
        elif "export.xlsx" in path:
            kind = "xlsx"
        elif path.startswith("/orgs/import"):
            kind = "import"
        elif path.startswith("/login") or path.startswith("/health"):
            continue
        else:
            kind = "page"
        times[kind].append(float(ms))
    return times


def cpu_counters() -> tuple[float, float, float]:
    """Return (machine busy CPU s, machine total CPU s, this harness's CPU s) so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (sum(fields) - idle) / ticks, sum(fields) / ticks, usage.ru_utime + usage.ru_stime


def report(ledger: Ledger, seconds: float, result: dict[str, Any], server: Server, label: str,
           load: tuple[str, str], cpu: tuple[float, float, float]) -> bool:
    records = [r for r in ledger.records if r.kind != "login"]
    print(f"\n=== {label}")
    print(f"machine: {os.cpu_count()} cores; load average before {load[0]}, after {load[1]}")
    busy, total, harness = cpu
    if total > 0:
        print(f"CPU during the load: machine {busy / total:.0%} busy; this load generator itself "
              f"{harness / total:.0%} of the machine")
    print(f"duration {seconds:.0f} s, {len(records)} requests, {len(records) / seconds:.1f} requests/s, "
          f"{len(ledger.kills)} workers SIGKILLed")
    print("client-side latency (what a user waits, including queueing):")
    print(f"{'kind':<14}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_kind[r.kind].append(r)
    for kind in ("page", "answer_save", "edit_form", "register_edit", "pdf", "xlsx", "import"):
        rs = by_kind.get(kind, [])
        if not rs:
            continue
        ok = [r.seconds * 1000 for r in rs if r.error is None]
        print(f"{kind:<14}{len(rs):>7}{percentile(ok, 50):>9.0f}{percentile(ok, 95):>9.0f}"
              f"{percentile(ok, 99):>9.0f}{max(ok, default=float('nan')):>9.0f}{sum(1 for r in rs if r.error):>8}")
    server_times = server_side_times(server.access_log)
    print("server-side time (gunicorn access log, request handling only):")
    for kind in ("page", "answer_save", "edit_form", "register_edit", "pdf", "xlsx", "import"):
        values = server_times.get(kind, [])
        if values:
            print(f"{kind:<14}{len(values):>7}{percentile(values, 50):>9.0f}{percentile(values, 95):>9.0f}"
                  f"{percentile(values, 99):>9.0f}{max(values):>9.0f}")
    pages = by_kind.get("page", [])
    print("pages (p50/p95 ms): " + ", ".join(
        f"{name} {percentile([r.seconds * 1000 for r in pages if r.detail == name and r.error is None], 50):.0f}/"
        f"{percentile([r.seconds * 1000 for r in pages if r.detail == name and r.error is None], 95):.0f}"
        for name in PAGE_KINDS))
    statuses = Counter(r.status for r in records)
    print("statuses:", dict(sorted((str(k), v) for k, v in statuses.items())))
    errors = Counter(r.error for r in records if r.error)
    # a failed request counts as "in flight on a killed worker" when it was running at a kill
    def killed_under(r: Record) -> bool:
        # the worker died while the request ran, or while its keep-alive connection was open
        since = min(r.started, r.connection_opened or r.started) - 0.05
        return any(since <= k <= r.started + r.seconds + 0.05 for k in ledger.kills)

    in_flight = sum(1 for r in records if r.error and killed_under(r))
    not_explained = sum(1 for r in records if r.error and r.error != "5xx" and not killed_under(r))
    five_xx_outside = sum(1 for r in records if r.error == "5xx" and not killed_under(r))
    log_text = server.error_log.read_text(errors="replace") if server.error_log.exists() else ""
    locked = log_text.count("database is locked")
    tracebacks = log_text.count("Traceback")
    print("errors by kind:", dict(errors) or "none",
          f"| on a killed worker (in flight, or its open connection): {in_flight}; other connection "
          f"errors: {not_explained}" if ledger.kills else "")
    print(f"5xx outside killed workers: {five_xx_outside}; 'database is locked' in the server log: {locked}; "
          f"tracebacks in the server log: {tracebacks}")
    print(f"acknowledged writes checked: {result['checked_answers']} answers (last per respondent and practice), "
          f"{result['checked_edits']} touchpoints; lost: {len(result['lost'])}")
    for line in result["lost"][:10]:
        print("  LOST", line)
    print(f"imports: {result['imports'] or 'none'}; half-applied: {len(result['import_problems'])}")
    for line in result["import_problems"][:10]:
        print("  IMPORT", line)
    print("integrity:", result["integrity"])
    page_p95 = percentile([r.seconds * 1000 for r in by_kind.get("page", []) if r.error is None], 95)
    print(f"page p95 {page_p95:.0f} ms (target < 150 ms)")
    return not result["lost"] and not result["import_problems"] and locked == 0 and five_xx_outside == 0


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--kill-every", type=float, default=0, help="SIGKILL a worker every N seconds (0: never)")
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database (it is emptied)")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"),
                        help="think time between a user's requests in seconds (0 0: no pause)")
    parser.add_argument("--import-every", type=float, default=30, help="seconds between organisation imports (0: none)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--pdf-uncached", action="store_true",
                        help="empty the PDF cache before every PDF download, so each one is rendered")
    args = parser.parse_args()

    load_before = _loadavg()
    workdir = Path(tempfile.mkdtemp(prefix="cxgov-load-"))
    db_url = args.postgres or f"sqlite:///{workdir / 'load.sqlite3'}"
    label = (f"{'PostgreSQL' if args.postgres else 'SQLite'}: {args.users} users, {args.seconds:.0f} s"
             + (f", SIGKILL a worker every {args.kill_every:.0f} s" if args.kill_every else "")
             + (", every PDF rendered" if args.pdf_uncached else ""))
    print(f"preparing {label} (work folder {workdir})", flush=True)
    started = time.monotonic()
    fixture = prepare(db_url, args.users, workdir)
    from cxgov.ops.transfer import export_counts, org_file_read

    counts = export_counts(org_file_read(fixture.export_file.read_bytes()))
    print(f"demo data ready in {time.monotonic() - started:.1f} s; starting gunicorn", flush=True)
    server = Server(db_url, workdir, args.workers)
    ok = False
    try:
        server.wait_ready()
        print(f"gunicorn on 127.0.0.1:{server.port} with {len(server.workers())} workers; load for "
              f"{args.seconds:.0f} s", flush=True)
        ledger = Ledger()
        begin = time.monotonic()
        cpu_before = cpu_counters()
        deadline = begin + args.seconds
        buster = CacheBuster(db_url, fixture.closed_cycle) if args.pdf_uncached else None
        threads: list[threading.Thread] = [
            Client(n, email, fixture, server.port, ledger, deadline, tuple(args.think), args.seed * 1000 + n,
                   buster)
            for n, email in enumerate(fixture.users)]
        if args.import_every:
            threads.append(Importer(fixture, server.port, ledger, deadline, args.import_every))
        if args.kill_every:
            threads.append(Killer(server, ledger, deadline, args.kill_every, args.seed))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1.0, deadline - time.monotonic() + 150))
        elapsed = time.monotonic() - begin
        cpu_used = tuple(after - before for after, before in zip(cpu_counters(), cpu_before))
    finally:
        server.stop()
    result = verify(fixture, ledger, counts)
    ok = report(ledger, elapsed, result, server, label, (load_before, _loadavg()), cpu_used)
    print(f"server logs: {server.error_log} {server.access_log}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
