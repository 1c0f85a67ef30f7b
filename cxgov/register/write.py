"""The one write path for register rows: every declared rule checked once, rows and history written together.

Every writer of register rows comes through :func:`register_rows_apply`: the forms' services
(:mod:`cxgov.register.services`), the spreadsheet import and the API's bulk upsert
(:mod:`cxgov.register.transfer.services`), the CLI, the API's row endpoints, onboarding and the
demo. The org package (:mod:`cxgov.ops.transfer`) copies rows and their history verbatim and
checks them with :func:`register_rows_check`, the same checks without the writing; the
import's preview asks it too, so it refuses exactly what applying would.

A row is a dict of declared field values (:mod:`cxgov.register.tables`): references as ids (or
the referenced row itself), plus ``id`` (and optionally ``version``, the ``version_id`` the editor
started from) to change an existing row. Fields a row leaves out stay as they are (or take their
declared default on a new row). ``active`` deactivates or reactivates; for a CX role, which has
no such column, ``active: False`` ends the role (its last day yesterday, or its start day) and
``active: True`` reopens it.

Every row of a call is checked before anything is written, against the register as it will
stand after the call (so one call may swap two names, or move a person's cxgov account link
from one person to another); a refused call raises
:class:`RowsRefused` with every problem (the row's position and the field), and writes nothing.
Changed rows are written first, with one version-checked UPDATE each (a stale ``version`` or
a row saved meanwhile raises :class:`ConflictError`), then new rows with one multi-row INSERT
(so a new row may take a name a changed row gives up), and the change
log with one multi-row INSERT, in the same shape whoever wrote: ``{field: [before, after]}``
with people and places by name. Services flush only; the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Mapping, Sequence

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import object_session
from sqlalchemy.orm.util import identity_key

from ..auth.models import User
from ..db import utcnow
from ..extensions import db
from ..history.models import ChangeLog
from ..history.services import jsonable
from ..orgs.models import Membership, Organisation
from . import rules
from .rules import field_check, row_check
from .models import Channel, CxRole, DelegatedMandate, ImportBatch, Journey, Person, Touchpoint, cx_role_label
from .tables import TABLE_BY_KEY, RegisterField, RegisterTable

#: Register table -> model.
MODELS: dict[str, Any] = {
    "people": Person,
    "channels": Channel,
    "journeys": Journey,
    "touchpoints": Touchpoint,
    "cx_roles": CxRole,
    "mandates": DelegatedMandate,
}
#: Model -> its declared table.
TABLE_OF_MODEL: dict[type, str] = {model: key for key, model in MODELS.items()}
#: Declared kinds that refer to another register row (stored as ``<name>_id``).
REFERENCE_KINDS: dict[str, Any] = {"person": Person, "journey": Journey, "channel": Channel}
#: Columns of a register row that are not declared fields but may be written: a person's cxgov account.
_EXTRA_FIELDS: dict[str, tuple[str, ...]] = {"people": ("user",)}
#: Keys of a row that are not fields.
_ROW_KEYS = frozenset({"id", "version"})
#: Most ids in one ``IN`` list.
_CHUNK = 500


class RegisterError(ValueError):
    """A register change that cannot be made; the message is for the user."""


class ConflictError(RegisterError):
    """Someone else saved the row after the editor loaded it (a stale ``version_id``)."""

    def __init__(self, table: str, row_id: int, expected_version: int | None) -> None:
        super().__init__(_("Someone else saved this record after you opened it. Nothing was overwritten."))
        self.table = table
        self.row_id = row_id
        self.expected_version = expected_version


@dataclass(frozen=True)
class RowProblem:
    """One broken rule: the row's position in the call, the declared field (or "") and the refusal."""

    index: int
    field: str
    message: str


class RowsRefused(RegisterError):
    """Rows that break the register's rules; nothing was written. ``problems`` lists each one."""

    def __init__(self, table: str, problems: list[RowProblem]) -> None:
        super().__init__(problems[0].message)
        self.table = table
        self.problems = problems


@dataclass
class RegisterBatch:
    """Rows written together as one whole (a spreadsheet import, an API bulk upsert, an org package).

    History entries point at the import. A person this batch itself adds, or whose active flag
    it sets, may be given things although inactive: the batch states a register as an export
    can hold it (someone who left still owns things, which the health check lists).
    """

    import_batch: ImportBatch | None = None
    #: ids of the people whose row (or active flag) this batch wrote
    stated_people: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class BatchRow:
    """A row that an earlier table of the same batch adds, referred to before it has an id.

    An import's preview asks :func:`register_rows_check` about every table before anything is
    written, so a touchpoint on a journey the file adds refers to the journey this way. It is
    of the organisation by construction, and a person the batch adds is one it states.
    """

    kind: str
    #: how history and refusals name the row
    name: str
    #: what tells it from other rows the batch adds (an import's natural key)
    key: tuple[Any, ...]


# --- reading what the checks need ------------------------------------------------------------------


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), _CHUNK):
        yield unique[start : start + _CHUNK]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _load_rows(model: Any, ids: Iterable[int]) -> dict[int, Any]:
    """Return id -> stored row (plain rows, any organisation: callers check the org)."""
    t = _table(model)
    found: dict[int, Any] = {}
    for chunk in _chunks(ids):
        for row in db.session.execute(select(t).where(t.c.id.in_(chunk))):
            found[row.id] = row
    return found


@dataclass
class _References:
    """The rows a call refers to (and referred to before), loaded once per kind."""

    rows: dict[str, dict[int, Any]]
    users: dict[int, str]
    #: (kind, id) -> its history value, computed once per call (a few hundred owners, 10,000 rows)
    names: dict[tuple[str, int], str | None] = field(default_factory=dict)

    def get(self, kind: str, ref_id: int | BatchRow | None) -> Any:
        return None if ref_id is None or isinstance(ref_id, BatchRow) else self.rows[kind].get(ref_id)

    def history_value(self, kind: str, ref_id: int | BatchRow | None) -> str | None:
        """Return how history names a referenced row: a person as "Name <email>", a place by name."""
        if ref_id is None:
            return None
        if isinstance(ref_id, BatchRow):
            return ref_id.name
        key = (kind, ref_id)
        if key not in self.names:
            row = self.rows[kind].get(ref_id)
            if row is None:
                self.names[key] = None
            elif kind == "person":
                self.names[key] = f"{row.name} <{row.email}>" if row.email else str(row.name)
            else:
                self.names[key] = str(row.name)
        return self.names[key]


def _load_references(wanted: dict[str, set[int]], user_ids: set[int]) -> _References:
    rows = {kind: _load_rows(model, wanted.get(kind, ())) for kind, model in REFERENCE_KINDS.items()}
    users: dict[int, str] = {}
    for chunk in _chunks(user_ids):
        users.update(db.session.execute(select(User.id, User.email).where(User.id.in_(chunk))).all())
    return _References(rows, users)


def _stored_values(table: RegisterTable, row: Any) -> dict[str, Any]:
    """Return a stored row as declared field values (references as ids)."""
    values = {
        f.name: getattr(row, f"{f.name}_id") if f.kind in REFERENCE_KINDS else getattr(row, f.name)
        for f in table.fields
        if f.name != "active" or hasattr(row, "active")
    }
    if table.key == "people":
        values["user"] = row.user_id
    return values


# --- history ---------------------------------------------------------------------------------------


def _history_state(table: RegisterTable, values: Mapping[str, Any], refs: _References) -> dict[str, Any]:
    """Return a row's state as history records it: people and places by name, dates as ISO text."""
    state: dict[str, Any] = {}
    for f in table.fields:
        if f.name not in values:
            continue
        value = values[f.name]
        state[f.name] = refs.history_value(f.kind, value) if f.kind in REFERENCE_KINDS else jsonable(value)
    if table.key == "people":
        state["user"] = refs.users.get(values.get("user") or 0)
    return state


def _entity_label(table: RegisterTable, values: Mapping[str, Any], refs: _References) -> str:
    """Return the label history keeps for a row (as the models' ``label`` reads)."""
    if table.key == "touchpoints":
        journey = refs.history_value("journey", values["journey"]) or "?"
        channel = refs.history_value("channel", values["channel"]) or "?"
        return f"{values['name']} ({journey} · {channel})"[:300]  # three names of 200 each; the column holds 300
    if table.key == "cx_roles":
        person = refs.get("person", values["person"])
        return f"{cx_role_label(values['role'])}: {person.name if person is not None else '?'}"[:300]
    if table.key == "mandates":
        return f"{values['holder']}: {values['decision']}"[:300]
    return str(values["name"])[:300]


def _changes(action: str, before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Return ``{field: [before, after]}``: on create every field with a value, else the fields that differ."""
    if action == "create":
        return {name: [None, value] for name, value in after.items() if value not in (None, "")}
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def via_token_name() -> str | None:
    """Return the name of the API token the current request came through (history names it)."""
    if not has_request_context():
        return None
    token = getattr(g, "api_token", None)
    return token.name[:100] if token is not None else None


# --- the write path --------------------------------------------------------------------------------


@dataclass
class _Planned:
    index: int
    action: str
    row_id: int | None
    version: int | None
    before: dict[str, Any]
    after: dict[str, Any]
    #: the fields this row gives (an org package's stored row gives all of them)
    given: frozenset[str] = frozenset()


def _as_id(value: Any) -> Any:
    """Accept a referenced row or its id (forms pass rows, files and the API pass ids)."""
    return value.id if hasattr(value, "__table__") else value


def _prepare(
    org: Organisation,
    table: RegisterTable,
    rows: Sequence[Mapping[str, Any]],
    problems: list[RowProblem],
    stored_as_new: bool = False,
) -> tuple[list[_Planned], dict[int, Any]]:
    """Check each row's fields without the register; return the planned writes and the stored rows.

    ``stored_as_new``: the rows are stored already (an org package copied them) and each is
    checked whole, as if it were being added.
    """
    model = MODELS[table.key]
    allowed = {f.name for f in table.fields} | set(_EXTRA_FIELDS.get(table.key, ())) | _ROW_KEYS
    if table.key == "cx_roles":
        allowed.add("active")
    stored_rows = _load_rows(model, [row["id"] for row in rows if row.get("id") is not None])
    planned: list[_Planned] = []
    today = date.today()
    for index, row in enumerate(rows):
        unknown = set(row) - allowed
        if unknown:
            raise TypeError(f"{table.key}: not declared fields: {sorted(unknown)}")
        row_id = row.get("id")
        if row_id is not None:
            stored = stored_rows.get(row_id)
            if stored is None or stored.org_id != org.id:
                raise LookupError(f"{table.key} {row_id} is not in organisation {org.id}")
            version = row.get("version")
            if version is not None and int(version) != stored.version_id:
                raise ConflictError(table.key, row_id, int(version))
            before = _stored_values(table, stored)
            after = dict(before)
            action = "update"
            if stored_as_new:
                before, action = {}, "create"
        else:
            before = {}
            after = {f.name: f.default for f in table.fields}
            if table.key == "people":
                after["user"] = None
            action = "create"
        bad = False
        for name, value in row.items():
            if name in _ROW_KEYS:
                continue
            if table.key == "cx_roles" and name == "active":
                if bool(value):
                    after["until"] = None
                else:
                    after["until"] = max(today - timedelta(days=1), after.get("since") or today)
                continue
            if name == "user":
                after["user"] = _as_id(value)
                continue
            declared = table.field(name)
            if declared.kind in REFERENCE_KINDS:
                checked, problem = field_check(declared, _as_id(value))
            else:
                checked, problem = field_check(declared, value)
            if problem:
                problems.append(RowProblem(index, name, problem))
                bad = True
            after[name] = checked
        given = frozenset(name for name in row if name not in _ROW_KEYS)
        if action == "create":
            given = frozenset(f.name for f in table.fields)
            for declared in table.fields:
                if declared.name not in row:
                    after[declared.name], problem = field_check(declared, after[declared.name])
                    if problem:
                        problems.append(RowProblem(index, declared.name, problem))
                        bad = True
        if not bad:
            for name, problem in row_check(table, after):
                problems.append(RowProblem(index, name, problem))
        if action == "update" and "active" in row and set(row) - _ROW_KEYS == {"active"}:
            action = "reactivate" if row["active"] else "deactivate"
        version = stored_rows[row_id].version_id if row_id is not None else None
        planned.append(_Planned(index, action, row_id, version, before, after, given))
    return planned, stored_rows


def _label(declared: RegisterField) -> str:
    return str(declared.label)


def _check_references(
    org: Organisation,
    table: RegisterTable,
    rows: Sequence[Mapping[str, Any]],
    planned: list[_Planned],
    refs: _References,
    batch: RegisterBatch | None,
    problems: list[RowProblem],
) -> None:
    """Refuse references to another organisation's rows, and an inactive person newly given a field."""
    stated = batch.stated_people if batch is not None else set()
    for plan in planned:
        for declared in table.fields:
            if declared.kind not in REFERENCE_KINDS or declared.name not in plan.given:
                continue
            ref_id = plan.after.get(declared.name)
            if ref_id is None or isinstance(ref_id, BatchRow):
                continue  # a row the batch adds: of this organisation, and a person it adds is one it states
            target = refs.get(declared.kind, ref_id)
            if target is None or target.org_id != org.id:
                problems.append(
                    RowProblem(
                        plan.index,
                        declared.name,
                        _("The “%(field)s” chosen belongs to another organisation.", field=_label(declared)),
                    )
                )
                continue
            newly_given = plan.action == "create" or plan.before.get(declared.name) != ref_id
            if declared.active_person and newly_given and not target.active and ref_id not in stated:
                problems.append(
                    RowProblem(plan.index, declared.name, rules.inactive_person(target.name, declared.active_person))
                )


def _check_accounts(
    org: Organisation,
    table: RegisterTable,
    planned: list[_Planned],
    refs: _References,
    stored_as_new: bool,
    problems: list[RowProblem],
) -> None:
    """Refuse linking a person to a cxgov account outside the organisation, or one another person has.

    As for an inactive owner, only a link the call makes is checked: a copied register (an org
    package) keeps its links to members who left, and so does a row whose other fields change
    (one person per account is also the database's unique index, which the package's import
    keeps by its own correction). Like names, an account is judged on the register as
    it stands after the call, so one call may move a link from one person to another.
    """
    if table.key != "people" or stored_as_new:
        return
    linking = [
        plan
        for plan in planned
        if plan.after.get("user") is not None
        and (plan.action == "create" or plan.before.get("user") != plan.after["user"])
    ]
    if not linking:
        return
    # Two calls linking accounts in one organisation take turns, so the second is refused in
    # words rather than by the unique index (uq_person_org_id_user_id, an error page): the
    # organisation's row is locked until the transaction ends, and the second call reads the
    # register after the first's commit (PostgreSQL, READ COMMITTED). SQLite has no FOR UPDATE;
    # its writing requests run one after the other already (BEGIN IMMEDIATE).
    db.session.execute(select(Organisation.id).where(Organisation.id == org.id).with_for_update())
    accounts = {plan.after["user"] for plan in linking}
    members: set[int] = set()
    holders: dict[int, str] = {}  # account -> the person linked to it after the call
    in_call = {plan.row_id for plan in planned if plan.row_id is not None}
    for chunk in _chunks(accounts):
        members.update(
            db.session.scalars(
                select(Membership.user_id).where(Membership.org_id == org.id, Membership.user_id.in_(chunk))
            )
        )
        query = select(Person.id, Person.user_id, Person.name).where(Person.org_id == org.id, Person.user_id.in_(chunk))
        holders.update((row.user_id, row.name) for row in db.session.execute(query) if row.id not in in_call)
    linking_ids = {id(plan) for plan in linking}
    for plan in planned:
        kept = plan.after.get("user")
        if id(plan) not in linking_ids and kept is not None and kept in accounts:
            holders[kept] = plan.after["name"]
    for plan in linking:
        account = plan.after["user"]
        if account not in members:
            problems.append(RowProblem(plan.index, "user", rules.account_not_member()))
        elif account in holders:
            email = refs.users.get(account) or str(account)
            problems.append(RowProblem(plan.index, "user", rules.account_taken(email, holders[account])))
        else:
            holders[account] = plan.after["name"]


def _unique_key(table: RegisterTable, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """Return the row's value of its table's unique key (names without regard to case), or None."""
    if not table.unique:
        return None
    key = []
    for name in table.unique:
        value = values.get(name)
        if value is None:
            return None  # people without an e-mail address need not be told apart by it
        key.append(value.lower() if isinstance(value, str) else value)
    return tuple(key)


def _check_unique(
    org: Organisation, table: RegisterTable, planned: list[_Planned], refs: _References, problems: list[RowProblem]
) -> None:
    """Refuse two rows with one unique key in the register as it will stand after the call.

    A row the call changes counts with its new values, not its stored ones, so a batch may swap
    or rotate names (A→B and B→A) or give a new row the name another row gives up. Of two rows
    of the call that end with one key, the later is refused.
    """
    if not table.unique or table.unique_refusal is None:
        return
    keyed = [
        (plan, key)
        for plan in planned
        if (key := _unique_key(table, plan.after)) is not None
        and (plan.action == "create" or key != _unique_key(table, plan.before))
    ]
    if not keyed:
        return
    in_call = {plan.row_id for plan in planned if plan.row_id is not None}
    # Keys held after the call: stored rows the call leaves alone, and the call's rows that keep theirs.
    held: set[tuple[Any, ...]] = set()
    keyed_ids = {id(plan) for plan, _key in keyed}
    for plan in planned:
        if id(plan) not in keyed_ids and (key := _unique_key(table, plan.after)) is not None:
            held.add(key)
    t = _table(MODELS[table.key])
    text_field = _unique_text_field(table)
    column = t.c[text_field]
    texts = sorted({str(plan.after[text_field]).lower() for plan, _key in keyed})
    columns = [t.c[f"{name}_id"] if table.field(name).kind in REFERENCE_KINDS else t.c[name] for name in table.unique]
    for start in range(0, len(texts), _CHUNK):
        query = select(t.c.id, *columns).where(
            t.c.org_id == org.id, func.lower(column).in_(texts[start : start + _CHUNK])
        )
        for row in db.session.execute(query):
            if row[0] not in in_call:
                held.add(tuple(v.lower() if isinstance(v, str) else v for v in row[1:]))
    for plan, key in keyed:
        if key in held:
            names = {
                f.name: refs.history_value(f.kind, plan.after[f.name])
                if f.kind in REFERENCE_KINDS
                else plan.after[f.name]
                for f in table.fields
                if f.name in table.unique
            }
            problems.append(RowProblem(plan.index, table.unique[-1], _(table.unique_refusal, **names)))
        held.add(key)


def _unique_text_field(table: RegisterTable) -> str:
    """Return the text field of a table's unique key (the names, or the e-mail address)."""
    return next(name for name in table.unique if table.field(name).kind in ("text", "email"))


def _reference_ids(table: RegisterTable, planned: list[_Planned]) -> tuple[dict[str, set[int]], set[int]]:
    wanted: dict[str, set[int]] = {kind: set() for kind in REFERENCE_KINDS}
    users: set[int] = set()
    for plan in planned:
        for f in table.fields:
            if f.kind in REFERENCE_KINDS:
                for values in (plan.before, plan.after):
                    if values.get(f.name) is not None and not isinstance(values[f.name], BatchRow):
                        wanted[f.kind].add(values[f.name])
        for values in (plan.before, plan.after):
            if values.get("user"):
                users.add(values["user"])
    return wanted, users


def _check(
    org: Organisation,
    table_key: str,
    rows: Sequence[Mapping[str, Any]],
    batch: RegisterBatch | None,
    stored_as_new: bool = False,
) -> tuple[RegisterTable, list[_Planned], _References, list[RowProblem]]:
    table = TABLE_BY_KEY[table_key]
    problems: list[RowProblem] = []
    planned, _stored = _prepare(org, table, rows, problems, stored_as_new)
    wanted, users = _reference_ids(table, planned)
    refs = _load_references(wanted, users)
    _check_references(org, table, rows, planned, refs, batch, problems)
    _check_unique(org, table, planned, refs, problems)
    _check_accounts(org, table, planned, refs, stored_as_new, problems)
    problems.sort(key=lambda p: p.index)
    return table, planned, refs, problems


def register_rows_check(
    *,
    org: Organisation,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    batch: RegisterBatch | None = None,
    stored_as_new: bool = False,
) -> list[RowProblem]:
    """Return every rule the rows would break if written to ``org``'s ``table``; writes nothing.

    ``stored_as_new``: the rows (``{"id": ...}``) are stored already, copied by an org package
    with their own history; each is checked whole, as the write path checks a row it adds.
    As :func:`register_rows_apply` does, the people whose active flag the rows set are noted
    in ``batch``, so checking a batch's tables in turn refuses what applying them would.
    """
    rows = list(rows)
    _spec, planned, _refs, problems = _check(org, table, rows, batch, stored_as_new)
    for plan in planned:
        if plan.row_id is not None:
            _note_stated(batch, table, plan, rows[plan.index])
    return problems


def _note_stated(batch: RegisterBatch | None, table: str, plan: _Planned, row: Mapping[str, Any]) -> None:
    """Note a person whose row or active flag the batch writes: it may give them things while inactive."""
    if batch is not None and table == "people" and (plan.action == "create" or "active" in row):
        assert plan.row_id is not None
        batch.stated_people.add(plan.row_id)


def _columns(table: RegisterTable, values: Mapping[str, Any]) -> dict[str, Any]:
    """Return declared field values as the table's columns (references as ``<name>_id``)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name == "user":
            out["user_id"] = value
            continue
        declared = table.field(name)
        out[f"{name}_id" if declared.kind in REFERENCE_KINDS else name] = value
    return out


def register_rows_apply(
    *,
    org: Organisation,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    by: User | None,
    batch: RegisterBatch | None = None,
) -> list[int]:
    """Check every row against every declared rule, then write them all and their history; return their ids.

    Raises :class:`RowsRefused` (nothing written) when any row breaks a rule, and
    :class:`ConflictError` when a row changed since the ``version`` given (or during the write).
    """
    rows = list(rows)
    if any(isinstance(value, BatchRow) for row in rows for value in row.values()):
        raise TypeError("a BatchRow stands for a row not written yet: only register_rows_check takes one")
    db.session.flush()  # rows the caller added through the ORM are seen by the checks
    spec, planned, refs, problems = _check(org, table, rows, batch)
    if problems:
        raise RowsRefused(table, problems)
    model = MODELS[table]
    t = _table(model)
    now = utcnow()
    ids: list[int] = [0] * len(planned)
    changed: dict[int, dict[str, Any]] = {}
    for plan in planned:
        if plan.action != "create":
            values = {name: value for name, value in plan.after.items() if plan.before.get(name) != value}
            if values:  # a row the call leaves as it is: nothing to write, nothing to record
                changed[plan.index] = values
    # Changed rows first, then new ones: a new row may take a name a changed row gives up.
    changing = [plan for plan in planned if plan.index in changed]
    moved = _step_aside(spec, t, changing)
    _links_step_aside(spec, t, changing)
    for plan in changing:
        if plan.index in moved:  # the stand-in goes, whatever else of the key changed
            changed[plan.index][moved[plan.index]] = plan.after[moved[plan.index]]
    for plan in planned:
        if plan.index not in changed:
            continue
        assert plan.row_id is not None
        result = db.session.execute(
            update(t)
            .where(t.c.id == plan.row_id, t.c.version_id == plan.version)
            .values(**_columns(spec, changed[plan.index]), version_id=(plan.version or 0) + 1, updated_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(table, plan.row_id, plan.version)
        _expire(model, plan.row_id)
    creates = [plan for plan in planned if plan.action == "create"]
    if creates:
        items = [
            {"org_id": org.id, "version_id": 1, "created_at": now, "updated_at": now, **_columns(spec, plan.after)}
            for plan in creates
        ]
        new_ids = db.session.execute(insert(t).returning(t.c.id, sort_by_parameter_order=True), items).scalars().all()
        for plan, new_id in zip(creates, new_ids):
            plan.row_id = new_id
    history: list[dict[str, Any]] = []
    user_id = by.id if by is not None else None
    import_id = batch.import_batch.id if batch is not None and batch.import_batch is not None else None
    via_token = via_token_name()
    for plan in planned:
        assert plan.row_id is not None
        ids[plan.index] = plan.row_id
        if plan.action != "create" and plan.index not in changed:
            continue
        before = _history_state(spec, plan.before, refs) if plan.action != "create" else {}
        changes = _changes(plan.action, before, _history_state(spec, plan.after, refs))
        _note_stated(batch, table, plan, rows[plan.index])
        history.append(
            {
                "org_id": org.id,
                "at": now,
                "user_id": user_id,
                "entity_type": model.__tablename__,
                "entity_id": plan.row_id,
                "entity_label": _entity_label(spec, plan.after, refs),
                "action": plan.action,
                "changes": changes,
                "import_id": import_id,
                "via_token": via_token,
            }
        )
    if history:
        db.session.execute(insert(_table(ChangeLog)), history)
    return ids


def _step_aside(table: RegisterTable, t: Table, changing: list[_Planned]) -> dict[int, str]:
    """Move rows that change their unique key out of each other's way before they are written.

    The database's unique index (e.g. ``uq_channel_org_id_name``) is checked row by row on
    SQLite and PostgreSQL alike, so in a swap the first UPDATE would meet the second row's
    old name. Each such row first takes a stand-in value no row can hold (a control character,
    which every writer refuses) without a new version; its real UPDATE follows and must write
    the text field back even where only another part of the key changed (a touchpoint moving
    journey under its name). Return the rows moved aside: plan index -> the field moved.
    """
    if not table.unique:
        return {}
    # Compared as stored, not as the rule compares (without regard to case): the index is
    # case-sensitive, and rows from before the rule may differ in letter case alone.
    moving = [plan for plan in changing if any(plan.after.get(n) != plan.before.get(n) for n in table.unique)]
    if len(moving) < 2:
        return {}  # one row alone cannot meet another row's old key
    column = _unique_text_field(table)
    for plan in moving:
        result = db.session.execute(
            update(t)
            .where(t.c.id == plan.row_id, t.c.version_id == plan.version)
            .values({column: f"\x01{plan.row_id}"})
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(table.key, plan.row_id or 0, plan.version)
    return {plan.index: column for plan in moving}


def _links_step_aside(table: RegisterTable, t: Table, changing: list[_Planned]) -> None:
    """Clear the account links a call moves away before any row of it takes one.

    ``uq_person_org_id_user_id`` allows one person per account, checked row by row, so when
    a call moves a link (Ann's account to Bob, or two people swapping accounts) a row taking an
    account may come before the row giving it up. The rows giving one up are unlinked first,
    without a new version; their own UPDATE then writes their new link (or none) as planned.
    """
    if table.key != "people":
        return
    moving = [plan for plan in changing if plan.after.get("user") != plan.before.get("user")]
    giving_up = [plan for plan in moving if plan.before.get("user") is not None]
    if not giving_up or not any(plan.after.get("user") is not None for plan in moving):
        return  # nothing taken, or nothing given up: no row can meet another's old link
    for plan in giving_up:
        result = db.session.execute(
            update(t).where(t.c.id == plan.row_id, t.c.version_id == plan.version).values(user_id=None)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(table.key, plan.row_id or 0, plan.version)


def register_row_delete(*, org: Organisation, entity: Any, by: User | None) -> None:
    """Delete a register row and record it (a CX role that had not started when its holder left)."""
    table = TABLE_BY_KEY[TABLE_OF_MODEL[type(entity)]]
    db.session.flush()
    stored = _load_rows(type(entity), [entity.id])[entity.id]
    values = _stored_values(table, stored)
    wanted, users = _reference_ids(table, [_Planned(0, "delete", entity.id, None, values, {})])
    refs = _load_references(wanted, users)
    db.session.execute(
        insert(_table(ChangeLog)),
        [
            {
                "org_id": org.id,
                "at": utcnow(),
                "user_id": by.id if by is not None else None,
                "entity_type": type(entity).__tablename__,
                "entity_id": entity.id,
                "entity_label": _entity_label(table, values, refs),
                "action": "delete",
                "changes": {
                    n: [v, None] for n, v in _history_state(table, values, refs).items() if v not in (None, "")
                },
                "import_id": None,
                "via_token": via_token_name(),
            }
        ],
    )
    db.session.delete(entity)
    db.session.flush()


def _expire(model: Any, row_id: int) -> None:
    """Make a loaded ORM copy of a row written with Core read the new values on next access."""
    obj = db.session.identity_map.get(identity_key(model, row_id))
    if obj is not None and object_session(obj) is db.session():
        db.session.expire(obj)


def register_state(entity: Any) -> dict[str, Any]:
    """Return the JSON-able state of a register row as history records it (names, not ids)."""
    table = TABLE_BY_KEY[TABLE_OF_MODEL[type(entity)]]
    values = _stored_values(table, entity)
    wanted, users = _reference_ids(table, [_Planned(0, "update", entity.id, None, values, {})])
    return _history_state(table, values, _load_references(wanted, users))
