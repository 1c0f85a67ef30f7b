"""Planning a register import: the file's rows matched against the register, checked by its write path.

An import is planned before anything is written: every row of the file is matched by its
natural key (people by e-mail, channels and journeys by name, touchpoints by journey +
channel + name, CX roles by person + role + since, mandates by holder + decision + channel)
and marked *add*, *change* (with each field's before and after) or *same*. A reference
(owner, manager, journey, channel, person) may name a row of the database or of the same
file. Whether the rows may be written is the register's one write path's answer
(:func:`~cxgov.register.write.register_rows_check`, given the rows as applying gives them to
``register_rows_apply``), so the plan refuses exactly what applying would; the planner has
no rule of its own. When any row has a problem the plan carries every problem, each at its
sheet, row and column.

The existing register is loaded in one query per table and matched in dictionaries; there
are no per-row queries, so a 10,000-touchpoint file plans in about a second.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...orgs.models import Organisation
from ..models import Channel, CxRole, DelegatedMandate, Journey, Person, Touchpoint
from ..tables import TABLE_BY_KEY as REGISTER_TABLE_BY_KEY
from ..tables import RegisterField
from ..write import REFERENCE_KINDS, BatchRow, RegisterBatch, RowProblem, register_rows_check
from .spreadsheet import TABLE_BY_KEY, TABLES, CheckedFile, PersonRef, Record, RowError, record_key


# --- the plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field of one row: what it is now and what the file says."""

    column: str
    before: str
    after: str


@dataclass
class PlanRow:
    """What the import will do with one row of the file."""

    table: str
    sheet: str
    row: int
    label: str
    #: "add", "change" or "same"
    action: str
    record: Record
    changes: list[FieldChange] = field(default_factory=list)
    #: The existing object for "change" and "same".
    target: Any = None


@dataclass
class TableCounts:
    added: int = 0
    changed: int = 0
    same: int = 0
    #: rows of the register that the file does not mention (never deleted)
    untouched: int = 0


@dataclass
class ImportPlan:
    """The whole effect of an import, computed without writing anything."""

    kind: str
    rows: dict[str, list[PlanRow]]
    errors: list[RowError]
    counts: dict[str, TableCounts]
    columns: dict[str, list[str]]
    ignored_sheets: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def added(self) -> int:
        return sum(c.added for c in self.counts.values())

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.counts.values())

    @property
    def same(self) -> int:
        return sum(c.same for c in self.counts.values())

    def digest(self) -> str:
        """Return a fingerprint of what applying would do; a changed register changes it."""
        summary = [
            (t, r.row, r.action, [(c.column, c.before, c.after) for c in r.changes])
            for t, rows in self.rows.items()
            for r in rows
        ]
        errors = [(e.sheet, e.row, e.column, e.reason) for e in self.errors]
        return hashlib.sha256(json.dumps([summary, errors], default=str).encode()).hexdigest()

    def summary_lines(self) -> list[str]:
        """Return one line per table with the numbers, for the CLI and the log."""
        lines = []
        for spec in TABLES:
            if spec.key not in self.counts:
                continue
            c = self.counts[spec.key]
            lines.append(
                _(
                    "%(sheet)s: %(a)s to add, %(c)s to change, %(s)s unchanged, %(u)s not in the file (left alone)",
                    sheet=spec.sheet,
                    a=c.added,
                    c=c.changed,
                    s=c.same,
                    u=c.untouched,
                )
            )
        return lines


# --- reading the register ------------------------------------------------------------------------


@dataclass
class RegisterRows:
    """An organisation's register loaded in one query per table, indexed for matching."""

    people: list[Person]
    channels: list[Channel]
    journeys: list[Journey]
    touchpoints: list[Touchpoint]
    cx_roles: list[CxRole]
    mandates: list[DelegatedMandate]

    def __post_init__(self) -> None:
        self.person_by_id = {p.id: p for p in self.people}
        self.channel_by_id = {c.id: c for c in self.channels}
        self.journey_by_id = {j.id: j for j in self.journeys}
        self.person_by_email = {p.email: p for p in self.people if p.email}
        self.person_refs = {p.id: PersonRef(p.email, None) if p.email else PersonRef(None, p.name) for p in self.people}
        self.people_by_name: dict[str, list[Person]] = {}
        for p in self.people:
            if not p.email:
                self.people_by_name.setdefault(p.name, []).append(p)
        # Names are unique per organisation without regard to case (as the register's forms
        # check), so they are matched lower-cased: "web" in a file is the channel "Web".
        self.channel_by_name = {c.name.lower(): c for c in self.channels}
        self.journey_by_name = {j.name.lower(): j for j in self.journeys}
        self._readers_by_table: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {}

    def person_ref(self, person_id: int | None) -> PersonRef | None:
        """Return how a spreadsheet names a person: e-mail, else name."""
        if person_id is None:
            return None
        return self.person_refs.get(person_id)

    def values(self, table: str, obj: Any) -> dict[str, Any]:
        """Return a row of the register as typed spreadsheet values (as an export writes them)."""
        return {column: read(obj) for column, read in self._readers(table)}

    def _readers(self, table: str) -> list[tuple[str, Callable[[Any], Any]]]:
        """Return (spreadsheet column, how to read its value from a row) per declared field of ``table``.

        Worked out once per table, not once per row: an export or a preview reads 10,000 rows.
        """
        readers = self._readers_by_table.get(table)
        if readers is not None:
            return readers
        readers = []
        for declared in REGISTER_TABLE_BY_KEY[table].fields:
            read: Callable[[Any], Any]
            if declared.kind == "person":
                read = _reference(attrgetter(f"{declared.name}_id"), self.person_refs, strict=False)
            elif declared.kind in ("journey", "channel"):
                by_id = self.journey_by_id if declared.kind == "journey" else self.channel_by_id
                names = {ref_id: row.name for ref_id, row in by_id.items()}
                read = _reference(attrgetter(f"{declared.name}_id"), names, strict=True)
            elif declared.kind == "bool":
                read = _bool(attrgetter(declared.name))
            elif declared.kind == "text":
                read = _text(attrgetter(declared.name))
            else:  # email, date, choice: as stored
                read = attrgetter(declared.name)
            readers.append((declared.column, read))
        self._readers_by_table[table] = readers
        return readers


def _reference(read_id: Callable[[Any], Any], by_id: Mapping[int, Any], *, strict: bool) -> Callable[[Any], Any]:
    """Return a reader of what a reference names (``strict``: an unknown id is a KeyError, else None)."""

    def read(row: Any) -> Any:
        ref_id = read_id(row)
        if ref_id is None:
            return None
        return by_id[ref_id] if strict else by_id.get(ref_id)

    return read


def _bool(read_value: Callable[[Any], Any]) -> Callable[[Any], bool]:
    return lambda row: bool(read_value(row))


def _text(read_value: Callable[[Any], Any]) -> Callable[[Any], str]:
    return lambda row: read_value(row) or ""


#: Columns an import or export never reads: converting 20,000 timestamps was a fifth of loading.
_NOT_LOADED = frozenset({"created_at", "updated_at"})


def register_rows_load(org: Organisation) -> RegisterRows:
    """Load the register as plain rows (not ORM objects): one query per table, fast to match."""

    def rows(model: type) -> list[Any]:
        table = model.__table__  # type: ignore[attr-defined]
        columns = [column for column in table.c if column.name not in _NOT_LOADED]
        return list(db.session.execute(select(*columns).where(table.c.org_id == org.id).order_by(table.c.id)))

    return RegisterRows(
        rows(Person), rows(Channel), rows(Journey), rows(Touchpoint), rows(CxRole), rows(DelegatedMandate)
    )


# --- matching the file against the register --------------------------------------------------------


def display_value(value: Any) -> str:
    """Return a typed spreadsheet value as the preview shows it (as an export would write it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, PersonRef):
        return value.text
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _Planner:
    """Match the file's records against the register and the file itself."""

    def __init__(self, org: Organisation, register: RegisterRows, checked: CheckedFile) -> None:
        self.org = org
        self.reg = register
        self.checked = checked
        self.errors: list[RowError] = list(checked.errors)
        # Names the file itself defines, so references may point at rows added by this import.
        defined = checked.defined
        self.file_people = set(defined.get("people", ()))
        self.file_channels = {key[0] for key in defined.get("channels", ())}
        self.file_journeys = {key[0] for key in defined.get("journeys", ())}

    # references ---------------------------------------------------------------------------------

    def person_exists(self, ref: PersonRef) -> bool | str:
        """Return True when the reference names one person, else the reason it does not."""
        if ref.email:
            if ("email", ref.email) in self.file_people or ref.email in self.reg.person_by_email:
                return True
            return _("no person with the e-mail “%(e)s” in the register or the People sheet", e=ref.email)
        if ("name", ref.name) in self.file_people:
            return True
        matches = self.reg.people_by_name.get(ref.name or "", [])
        if len(matches) == 1:
            return True
        if len(matches) > 1:
            return _("several people without an e-mail are called “%(n)s”; use an e-mail address", n=ref.name)
        if "@" in (ref.name or ""):
            return _("“%(n)s” is not a valid e-mail address, nor the name of a person without one", n=ref.name)
        return _("no person called “%(n)s” without an e-mail; owners are named by e-mail address", n=ref.name)

    def same_person(self, existing: PersonRef | None, incoming: PersonRef | None) -> bool:
        if existing is None or incoming is None:
            return existing is None and incoming is None
        return (existing.email or None, existing.name if not existing.email else None) == (
            incoming.email or None,
            incoming.name if not incoming.email else None,
        )

    def name_exists(self, table: str, name: str) -> bool:
        folded = name.lower()
        if table == "channels":
            return folded in self.file_channels or folded in self.reg.channel_by_name
        return folded in self.file_journeys or folded in self.reg.journey_by_name

    def unknown(self, record: Record, column: str, table: str, name: str) -> None:
        what = _("channel") if table == "channels" else _("journey")
        reason = _(
            "unknown %(what)s “%(name)s” (not in the register nor in the %(sheet)s sheet)",
            what=what,
            name=name,
            sheet=TABLE_BY_KEY[table].sheet,
        )
        self.errors.append(RowError(record.sheet, record.row, column, reason))

    def check_references(self, table: str, record: Record, bad: frozenset[str] = frozenset()) -> bool:
        ok = True
        values = {k: v for k, v in record.values.items() if k not in bad}
        for column, value in values.items():
            if isinstance(value, PersonRef):
                found = self.person_exists(value)
                if found is not True:
                    self.errors.append(RowError(record.sheet, record.row, column, str(found)))
                    ok = False
        if table == "touchpoints":
            for column, ref_table in (("journey", "journeys"), ("channel", "channels")):
                if column in values and not self.name_exists(ref_table, values[column]):
                    self.unknown(record, column, ref_table, values[column])
                    ok = False
        if table == "mandates" and values.get("channel"):
            if not self.name_exists("channels", values["channel"]):
                self.unknown(record, "channel", "channels", values["channel"])
                ok = False
        return ok

    def check_writes(self, rows: dict[str, list[PlanRow]]) -> None:
        """Ask the register's write path what applying the plan would refuse, table by table.

        The rows go to :func:`~cxgov.register.write.register_rows_check` as
        :func:`import_apply` gives them to ``register_rows_apply`` (people first; a row the
        file adds is referred to as a :class:`~cxgov.register.write.BatchRow` until it has an
        id), so the preview refuses exactly what applying would, in the same words: an
        inactive person given something new, a name taken, and every rule declared later.
        """
        ids = ImportIds(self.reg)
        batch = RegisterBatch()
        for spec in TABLES:
            fields = REGISTER_TABLE_BY_KEY[spec.key].fields
            written: list[PlanRow] = []
            items: list[dict[str, Any]] = []
            for row in rows.get(spec.key, []):
                if row.action == "same":
                    continue
                try:
                    items.append(_write_row(fields, row, ids))
                except KeyError:
                    continue  # it names a row of the file that is refused itself, reported at that row
                written.append(row)
            if not written:
                continue
            problems = register_rows_check(org=self.org, table=spec.key, rows=items, batch=batch)
            self.errors.extend(row_errors(spec.key, written, problems))
            for row in written:
                if row.action == "add":
                    ids.added(spec.key, row, BatchRow(spec.key, row.label, row.record.key()))

    # matching -----------------------------------------------------------------------------------

    def existing_index(self, table: str) -> dict[tuple[Any, ...], Any]:
        return {record_key(table, self.reg.values(table, obj)): obj for obj in getattr(self.reg, table)}

    def plan(self) -> ImportPlan:
        rows: dict[str, list[PlanRow]] = {}
        counts: dict[str, TableCounts] = {}
        for spec in TABLES:
            if spec.key not in self.checked.records:
                continue
            for record, bad in self.checked.rejected.get(spec.key, ()):
                self.check_references(spec.key, record, bad)
            index = self.existing_index(spec.key)
            table_rows: list[PlanRow] = []
            count = TableCounts()
            matched: set[int] = set()
            for record in self.checked.records[spec.key]:
                if not self.check_references(spec.key, record):
                    continue
                key = record.key()
                if spec.key == "people" and key[0] == "name" and len(self.reg.people_by_name.get(key[1], ())) > 1:
                    self.errors.append(
                        RowError(
                            record.sheet,
                            record.row,
                            "name",
                            _(
                                "several people without an e-mail are called “%(n)s”; add their e-mail addresses "
                                "in the register first",
                                n=key[1],
                            ),
                        )
                    )
                    continue
                target = index.get(key)
                label = _row_label(spec.key, record.values)
                if target is None:
                    table_rows.append(PlanRow(spec.key, record.sheet, record.row, label, "add", record))
                    count.added += 1
                    continue
                matched.add(id(target))
                before = self.reg.values(spec.key, target)
                changes = []
                for column in self.checked.columns[spec.key]:
                    old, new = before[column], record.values[column]
                    if isinstance(old, PersonRef) or isinstance(new, PersonRef):
                        differs = not self.same_person(old, new)
                    elif column in ("journey", "channel"):  # references: "web" is the channel "Web"
                        differs = (old or "").lower() != (new or "").lower()
                    else:
                        differs = (old or None) != (new or None) if isinstance(new, str) or new is None else old != new
                    if differs:
                        changes.append(FieldChange(column, display_value(old), display_value(new)))
                action = "change" if changes else "same"
                table_rows.append(PlanRow(spec.key, record.sheet, record.row, label, action, record, changes, target))
                if changes:
                    count.changed += 1
                else:
                    count.same += 1
            count.untouched = len(index) - len(matched)
            rows[spec.key] = table_rows
            counts[spec.key] = count
        self.check_writes(rows)
        order = {sheet: i for i, sheet in enumerate(self.checked.sheets.values())}
        table_of = {sheet: table for table, sheet in self.checked.sheets.items()}

        def position(error: RowError) -> tuple[int, int, int]:
            spec = TABLE_BY_KEY.get(table_of.get(error.sheet, ""))
            names = spec.column_names if spec else []
            column = names.index(error.column) if error.column in names else -1
            return order.get(error.sheet, -1), error.row or 0, column

        self.errors.sort(key=position)
        return ImportPlan(
            kind=self.checked.kind,
            rows=rows,
            errors=self.errors,
            counts=counts,
            columns=self.checked.columns,
            ignored_sheets=self.checked.ignored_sheets,
        )


def _row_label(table: str, values: dict[str, Any]) -> str:
    if table == "people":
        return values.get("name") or values.get("email") or ""
    if table == "touchpoints":
        return f"{values['name']} ({values['journey']} · {values['channel']})"
    if table == "cx_roles":
        return f"{values['role']}: {display_value(values['person_email'])} {display_value(values['since'])}"
    if table == "mandates":
        return f"{values['holder']}: {values['decision']}"[:300]
    return values.get("name", "")


def import_plan(*, org: Organisation, checked: CheckedFile) -> ImportPlan:
    """Return what importing ``checked`` would do to ``org``'s register; writes nothing."""
    return _Planner(org, register_rows_load(org), checked).plan()


# --- the plan's rows as the write path's rows -----------------------------------------------------


class ImportIds:
    """The ids the file's references name: rows of the register, and rows this import adds."""

    def __init__(self, register: RegisterRows) -> None:
        self.people: dict[tuple[Any, ...], int | BatchRow] = {
            ("email", p.email): p.id for p in register.people if p.email
        }
        for name, matches in register.people_by_name.items():
            if len(matches) == 1:
                self.people[("name", name)] = matches[0].id
        self.places: dict[str, dict[str, int | BatchRow]] = {
            "journey": {name: row.id for name, row in register.journey_by_name.items()},
            "channel": {name: row.id for name, row in register.channel_by_name.items()},
        }

    def resolve(self, kind: str, value: Any) -> Any:
        """Return the id a spreadsheet value names (a person by e-mail or name, a place by name)."""
        if value is None or value == "":
            return None
        if kind == "person":
            return self.people[("email", value.email) if value.email else ("name", value.name)]
        return self.places[kind][value.lower()]

    def added(self, table: str, row: PlanRow, new_id: int | BatchRow) -> None:
        """Remember a row the import adds (its id, or while planning a stand-in), so later tables may refer to it."""
        if table == "people":
            self.people[row.record.key()] = new_id
        elif table in ("channels", "journeys"):
            self.places[table[:-1]][row.record.values["name"].lower()] = new_id


def row_errors(table: str, written: list[PlanRow], problems: list[RowProblem]) -> list[RowError]:
    """Return the write path's refusals of a table's rows at their sheet, row and column."""
    declared = REGISTER_TABLE_BY_KEY[table]
    return [
        RowError(
            written[p.index].sheet,
            written[p.index].row,
            declared.field(p.field).column if p.field else None,
            p.message,
        )
        for p in problems
    ]


def write_rows(table: str, plan_rows: list[PlanRow], ids: ImportIds) -> list[dict[str, Any]]:
    """Return the plan's added and changed rows as the write path's rows (declared fields, ids)."""
    fields = REGISTER_TABLE_BY_KEY[table].fields
    return [_write_row(fields, row, ids) for row in plan_rows]


def _write_row(fields: tuple[RegisterField, ...], row: PlanRow, ids: ImportIds) -> dict[str, Any]:
    """Return one added or changed row as the write path's row; KeyError names a reference not found."""
    if row.action == "add":
        present = [f for f in fields if f.column in row.record.values]
        item: dict[str, Any] = {}
    else:
        changed = {change.column for change in row.changes}
        present = [f for f in fields if f.column in changed]
        item = {"id": row.target.id, "version": row.target.version_id}
    for f in present:
        value = row.record.values[f.column]
        item[f.name] = ids.resolve(f.kind, value) if f.kind in REFERENCE_KINDS else value
    return item
