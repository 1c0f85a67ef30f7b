"""Every form of the app, attacked: no 500, nothing written when refused, everything shown escaped.

The endpoints are discovered from ``app.url_map`` (every rule that accepts POST), so a form
added tomorrow is attacked tomorrow. A consultant of organisation A posts

- a fixed battery per endpoint: ``<script>`` in every field, template syntax, 20,000-character
  strings, control characters, no fields at all, wrong types, and ids of organisation B in the
  fields and in the URL;
- then hypothesis-drawn mixtures of valid values (from the tenancy access tables and the
  form's own ``<select>`` options), hostile values and missing fields.

Each response must be < 500. A refused request (4xx, a form shown again with errors, or a
redirect to a page with an error message) must leave the database exactly as it was; another
organisation's ids in the URL answer 404. Every HTML page, including the one a successful post
redirects to, shows posted values escaped: the raw ``<script>`` never appears and ``{{7*7}}``
never turns into 49. After every accepted request no row of one organisation points at a row of
another.

What arrives inside files (every register import cell, every organisation-package field) is
attacked the same way in tests/test_hostile_input_files.py.

The app runs with TESTING=False and PROPAGATE_EXCEPTIONS=False, so an unhandled error becomes
the real 500 page (its traceback is put in the failure message).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest
from flask import got_request_exception, url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cxgov.auth.models import User
from cxgov.extensions import db
from cxgov.orgs.models import Membership, Organisation, Role
from tests.access import Access
from tests.conftest import TEST_PASSWORD, _empty_all_tables, make_test_app, pdf_layout_fake
from tests.fingerprint import Fingerprint, fingerprint
from tests.report_stand_ins import use_word_charts_parsed_only
from tests.test_tenancy import ACCESS, MODULES, World, sign_in

SCRIPT = "<script>alert(1)</script>"
SSTI = "cx{{7*7}}cx${7*7}cx"
SSTI_RESULTS = ("cx49cx", "cx49")
HOSTILE = [
    SCRIPT, SSTI, "A" * 20_000, "\x00\x01\x02\x1b[31m\r\nInjected: yes", "'; DROP TABLE \"user\"; --",
    "\u202e\u200b\ufeff", "-1", "0", "99999999999999999999999", "1e309", "NaN", "", " ", "../../etc/passwd",
    "%(x)s{0}%n", "true", "[]", "{}", "null", "2026-02-30", "0x10", "é" * 300,
]
HOSTILE_FILES = [b"", b"<script>alert(1)</script>", b"\x00" * 64, b"PK\x03\x04" + b"\xff" * 60,
                 b"\x1f\x8b\x08\x00garbage", b"SQLite format 3\x00"]
RANDOM_EXAMPLES = 4
#: Forms that save each valid item and name each refused one: a redirect with error messages
#: is a partial success there, so only the other checks apply to it.
PARTIAL_SAVE = {
    "cycles.answer": "the answer page saves every valid answer and names each refused one, so a "
                     "respondent never loses the answers that were fine",
}

_APP = make_test_app()
POST_RULES = {r.endpoint: r for r in _APP.url_map.iter_rules() if "POST" in (r.methods or ())}
POST_ENDPOINTS = sorted(POST_RULES)
#: URL arguments of endpoints outside organisations, which have no access-table entry.
GLOBAL_ARGS: dict[str, Callable[[], dict[str, Any]]] = {
    "auth.set_password": lambda: {"token": "not-a-real-token-" + "x" * 30},
    # an invitation that is not the poster's own: it does not exist for them
    "invitations.accept": lambda: {"invitation_id": 999_999},
    "invitations.decline": lambda: {"invitation_id": 999_999},
    # a forged unsubscribe token (the signature does not verify)
    "mail.unsubscribe": lambda: {"token": "eyJvIjoxLCJlIjoieEB4IiwiayI6InJlbWluZGVyIn0.forged"},
    # an API token that is not the poster's own: it does not exist for them
    "api_tokens.revoke": lambda: {"token_id": 999_999},
}


# --- the world: two organisations with every feature's objects -----------------------------------

@dataclass
class Hostile:
    world: World
    consultant_id: int
    exceptions: list[str] = field(default_factory=list)
    #: The fingerprint taken after the last post, when it was refused and so compared whole: the
    #: next post's "before" (between two posts of one endpoint only the test's own reads run).
    unchanged: Fingerprint | None = None


def _make_user(**kw: Any) -> User:
    n = db.session.scalar(select(func.count()).select_from(User)) + 1
    user = User(email=kw.pop("email", f"hostile{n}@example.com"), name=kw.pop("name", f"Hostile {n}"), **kw)
    user.set_password(TEST_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def _make_member(org: Organisation, role: Role | str = Role.SPONSOR, **kw: Any) -> User:
    user = _make_user(**kw)
    db.session.add(Membership(user_id=user.id, org_id=org.id, role=Role(role)))
    db.session.commit()
    return user


@pytest.fixture(scope="module")
def hostile(_schema):
    """One app (real error handling) and one world for every endpoint of this module."""
    # An issued report's PDF is laid out in the request, not in a background thread: a PDF
    # stored a moment later would show up as a change during the next (refused) request.
    app = make_test_app(TESTING=False, PROPAGATE_EXCEPTIONS=False, REPORT_RENDER_SYNC=True)
    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        # Its layout is faked (a second of CPU each, and an issue is posted a dozen times): a
        # failed layout never answers a request anyway, it is kept as the version's pdf_error.
        pdf_layout_fake(patch)
        # The Word file an issue writes is built whole (hostile text goes through python-docx);
        # only its two chart pictures are parsed and not drawn (~0.1 s of CPU per issue).
        use_word_charts_parsed_only(patch)
        orgs = {}
        for key in ("own", "other"):
            org = Organisation(slug=f"hostile-{key}", name=f"Hostile {key}")
            db.session.add(org)
            db.session.commit()
            orgs[key] = org
        members = {(key, role): _make_member(org, role) for key, org in orgs.items() for role in Role}
        world = World(orgs=orgs, members=members, ids={}, make_member=_make_member)
        for key, org in orgs.items():
            ids: dict[str, int] = {}
            for module in MODULES:
                if hasattr(module, "build"):
                    ids.update(module.build(org, world) or {})
            world.ids[key] = ids
        consultant = members[("own", Role.CONSULTANT)]
        consultant.is_consultant = True
        db.session.commit()
        state = Hostile(world=world, consultant_id=consultant.id)

        def record(sender, exception, **extra):  # the traceback of a 500, for the failure message
            import traceback

            state.exceptions.append("".join(traceback.format_exception(exception))[-3000:])

        got_request_exception.connect(record, app)
        app.hostile_state = state  # type: ignore[attr-defined]
        yield app
        got_request_exception.disconnect(record, app)
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


# --- reading forms -------------------------------------------------------------------------------

class _FormFields(HTMLParser):
    """Collect the fields of the page's POST forms: name -> (kind, option values)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, tuple[str, list[str]]] = {}
        self._in_post_form = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_post_form = a.get("method", "get").lower() == "post"
            return
        if not self._in_post_form:
            return
        if tag == "option":
            if self._select:
                self.fields[self._select][1].append(a.get("value", ""))
            return
        name = a.get("name")
        if not name or name == "csrf_token":
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            entry = self.fields.setdefault(name, (kind, []))
            if kind in ("radio", "checkbox", "submit", "hidden"):
                entry[1].append(a.get("value", "y"))
        elif tag == "textarea":
            self.fields.setdefault(name, ("textarea", []))
        elif tag == "select":
            self._select = name
            self.fields.setdefault(name, ("select", []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_post_form = False
        elif tag == "select":
            self._select = None


# --- one endpoint --------------------------------------------------------------------------------

@dataclass
class Target:
    app: Any
    endpoint: str
    access: Access | None
    org_scoped: bool
    url_own: str
    url_other: str | None
    base: dict[str, Any]
    fields: dict[str, tuple[str, list[str]]]
    other_ids: list[int]


def _url(app, endpoint: str, org: Organisation | None, args: dict[str, Any]) -> str:
    with app.test_request_context():
        if org is not None:
            return url_for(endpoint, org_slug=org.slug, **args)
        return url_for(endpoint, **args)


def _target(app, endpoint: str, client) -> Target:
    state: Hostile = app.hostile_state
    state.unchanged = None  # the form page is read below, and another endpoint came before
    world = state.world
    rule = POST_RULES[endpoint]
    org_scoped = "<org_slug>" in rule.rule
    access = ACCESS.get(endpoint)
    own_ids, other_ids = world.ids["own"], world.ids["other"]
    if org_scoped:
        assert access is not None, f"{endpoint} has no access-table entry (tests/<feature>/access.py)"
        args_own = access.args(own_ids)
        args_other = access.args(other_ids)
        url_own = _url(app, endpoint, world.orgs["own"], args_own)
        has_ids = any(isinstance(v, int) for v in args_own.values())
        url_other = _url(app, endpoint, world.orgs["own"], args_other) if has_ids else None
        base = {k: v for k, v in access.data(own_ids).items()}
    else:
        url_own = _url(app, endpoint, None, GLOBAL_ARGS.get(endpoint, lambda: {})())
        url_other, base = None, {}
    fields: dict[str, tuple[str, list[str]]] = {}
    if "GET" in (rule.methods or ()):
        _login(app, client)
        page = client.get(url_own)
        if page.status_code == 200 and page.mimetype == "text/html":
            parser = _FormFields()
            parser.feed(page.get_data(as_text=True))
            fields = parser.fields
    for name, value in base.items():
        fields.setdefault(name, ("text", [str(value)]))
    return Target(app=app, endpoint=endpoint, access=access, org_scoped=org_scoped, url_own=url_own,
                  url_other=url_other, base=base, fields=fields,
                  other_ids=sorted({v for v in other_ids.values() if isinstance(v, int)}))


def _login(app, client) -> None:
    db.session.rollback()  # the test's own reads end here; the request starts fresh
    user = db.session.get(User, app.hostile_state.consultant_id)
    db.session.refresh(user)  # a logout by an earlier example rotated the session token
    sign_in(client, user)  # the session, and the API token the API answers to (tests/api/access.py)
    db.session.rollback()


def _cross_org_references() -> list[str]:
    """Return every row whose foreign key points at a row of another organisation."""
    problems = []
    for table in db.metadata.sorted_tables:
        if "org_id" not in table.c:
            continue
        for column in table.columns:
            for fk in column.foreign_keys:
                parent = fk.column.table
                if parent is table or "org_id" not in parent.c or parent.name == "organisation":
                    continue
                count = db.session.scalar(
                    select(func.count()).select_from(table.join(parent, column == fk.column))
                    .where(table.c.org_id != parent.c.org_id))
                if count:
                    problems.append(f"{table.name}.{column.name} -> {parent.name}: {count} rows")
    db.session.rollback()
    return problems


def _check_html(body: str, where: str) -> None:
    assert "<script>alert(1)" not in body, f"{where}: a posted <script> is shown unescaped"
    for result in SSTI_RESULTS:
        assert result not in body, f"{where}: posted template syntax was evaluated ({result})"


def _messages(body: str) -> list[tuple[str, str]]:
    """Return (category, text) of the flashed messages base.html shows (dismissible alerts)."""
    found = re.findall(r'<div class="alert alert-([a-z]+) alert-dismissible[^>]*>(.*?)<button', body, flags=re.S)
    return [(category, " ".join(text.split())[:200]) for category, text in found]


def _refused_page(body: str) -> bool:
    """A form shown again with errors, or a flashed error."""
    return ("invalid-feedback" in body or "is-invalid" in body
            or any(category in ("danger", "warning") for category, _text in _messages(body)))


def _post(target: Target, client, data: dict[str, Any], *, other_url: bool = False, label: str) -> None:
    app = target.app
    state: Hostile = app.hostile_state
    url = target.url_other if other_url else target.url_own
    _login(app, client)
    before, state.unchanged = state.unchanged or fingerprint(), None
    db.session.rollback()  # the request starts its own transaction
    state.exceptions.clear()
    payload: dict[str, Any] = {}
    for name, value in data.items():
        payload[name] = (io.BytesIO(value), "upload.bin") if isinstance(value, bytes) else value
    response = client.post(url, data=payload, content_type="multipart/form-data")
    where = f"{target.endpoint} [{label}] POST {url} -> {response.status_code}"
    assert response.status_code < 500, where + "\n" + "\n".join(state.exceptions)
    body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    _check_html(body, where)
    refused = response.status_code >= 400 or (response.status_code == 200 and _refused_page(body))
    flashes = _messages(body)
    if response.status_code in (301, 302, 303) and response.location:
        location = urlsplit(response.location)
        if not location.netloc or location.netloc == "localhost":
            follow = client.get(location.path + (f"?{location.query}" if location.query else ""))
            assert follow.status_code < 500, where + " (redirect target)\n" + "\n".join(state.exceptions)
            if follow.mimetype == "text/html":
                follow_body = follow.get_data(as_text=True)
                _check_html(follow_body, where + " (redirect target)")
                flashes = _messages(follow_body)
                if target.endpoint not in PARTIAL_SAVE:
                    refused = refused or any(category == "danger" for category, _text in flashes)
    db.session.rollback()
    if other_url:
        assert response.status_code == 404, f"{where}: another organisation's ids must answer 404"
    if refused:
        after = fingerprint()
        changed = after.changed_since(before)
        assert not changed, f"{where}: the request was refused but these tables changed: {changed}\n{flashes}"
        state.unchanged = after
    else:
        assert not _cross_org_references(), f"{where}: a row now points into another organisation"
    db.session.rollback()


def _fill(target: Target, value_for: Callable[[str, str, list[str]], Any]) -> dict[str, Any]:
    data = {}
    for name, (kind, options) in target.fields.items():
        value = value_for(name, kind, options)
        if value is not None:
            data[name] = value
    return data


def _every(value: str, file_value: bytes = b"<script>alert(1)</script>") -> Callable[[str, str, list[str]], Any]:
    return lambda name, kind, options: file_value if kind == "file" else value


def _battery(target: Target) -> list[tuple[str, dict[str, Any], bool]]:
    """Return (label, form data, use another organisation's URL) for the fixed attacks."""
    cases: list[tuple[str, dict[str, Any], bool]] = [
        ("script everywhere", _fill(target, _every(SCRIPT)), False),
        ("template syntax everywhere", _fill(target, _every(SSTI)), False),
        ("20,000 characters everywhere", _fill(target, _every("A" * 20_000, b"A" * 200_000)), False),
        ("control characters everywhere", _fill(target, _every("\x00\x1b[2J\r\nline\x07", b"\x00\x01")), False),
        ("no fields at all", {}, False),
        ("valid values", _fill(target, lambda n, k, o: target.base.get(n, o[0] if o else None)), False),
        ("wrong types", _fill(target, lambda n, k, o: ["1", "two", "<b>3</b>"] if k != "file" else b"\xff"), False),
    ]
    if target.other_ids:
        other = target.other_ids

        def other_org_ids(name: str, kind: str, options: list[str]) -> Any:
            base = target.base.get(name, options[0] if options else None)
            if kind == "file":
                return None
            if name.endswith("_id") or name.endswith("id") or (isinstance(base, str) and base.isdigit()):
                return str(other[hash(name) % len(other)])
            return base

        cases.append(("another organisation's ids in the fields", _fill(target, other_org_ids), False))
    if target.url_other:
        cases.append(("another organisation's ids in the URL", _fill(target, lambda n, k, o: target.base.get(n)), True))
    return cases


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_hostile_posts(hostile, endpoint):
    """The fixed battery, then random mixtures, against one POST endpoint."""
    client = hostile.test_client()
    target = _target(hostile, endpoint, client)
    for label, data, other_url in _battery(target):
        _post(target, client, data, other_url=other_url, label=label)

    field_names = sorted(target.fields)
    other_ids = [str(i) for i in target.other_ids] or ["1"]

    def value_strategy(name: str) -> st.SearchStrategy[Any]:
        kind, options = target.fields[name]
        if kind == "file":
            return st.one_of(st.none(), st.sampled_from(HOSTILE_FILES), st.binary(max_size=200))
        valid = [str(target.base[name])] if name in target.base else []
        valid += options
        return st.one_of(
            st.none(),  # leave the field out
            st.sampled_from(HOSTILE),
            st.text(max_size=40),
            st.sampled_from(valid) if valid else st.just(""),
            st.sampled_from(other_ids),
            st.integers(min_value=-(2**64), max_value=2**64).map(str),
        )

    # Built once per field, not again at every draw (building and validating a one_of strategy
    # each time was more CPU than drawing from it); the draws are the same.
    value_strategies = {name: value_strategy(name) for name in field_names}

    @settings(max_examples=RANDOM_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def random_posts(drawn):
        data = {}
        for name in field_names:
            value = drawn.draw(value_strategies[name], label=name)
            if value is not None:
                data[name] = value
        other_url = bool(target.url_other) and drawn.draw(st.booleans(), label="other org URL")
        _post(target, client, data, other_url=other_url, label="random")

    random_posts()


def test_every_post_endpoint_is_attacked():
    """The discovery finds the forms of every feature (a guard against an empty parametrisation)."""
    blueprints = {e.split(".")[0] for e in POST_ENDPOINTS}
    assert {"auth", "org", "register", "cycles"} <= blueprints
    assert len(POST_ENDPOINTS) >= 40
