"""Read-side queries for the register pages: filtered, sorted, paginated, without N+1.

Each list runs two queries (the count and the page) with the related rows joined in, plus
at most one grouped query for per-row counts, whatever the page size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable, Generic, Mapping, TypeVar

from sqlalchemy import Select, and_, func, or_, select, true
from sqlalchemy.orm import aliased, contains_eager, selectinload

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.models import User
from ..extensions import db
from ..orgs.models import Membership, Organisation
from .health import REVIEW_MAX_AGE_DAYS
from .models import Channel, CxRole, Journey, Person, Touchpoint
from .tables import TABLE_BY_KEY, TABLES, RegisterField, RegisterTable
from .write import MODELS, REFERENCE_KINDS

PER_PAGE = 100
T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int = PER_PAGE
    extra: dict[int, Any] = field(default_factory=dict)  #: per-row figures, e.g. touchpoints owned

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)


@dataclass(frozen=True)
class ListParams:
    """What a list page was asked for (from the query string, already cleaned)."""

    q: str = ""
    status: str = "active"  #: "active", "inactive" or "all"
    sort: str = "name"
    desc: bool = False
    page: int = 1
    filters: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(
        cls, args: Mapping[str, str], sorts: tuple[str, ...], filters: tuple[str, ...], default_sort: str = "name"
    ) -> "ListParams":
        """Read the query string; unknown values fall back to defaults instead of failing."""
        status = args.get("status", "active")
        sort = args.get("sort", default_sort)
        try:
            page = max(1, min(int(args.get("page", "1")), 100_000))
        except ValueError:
            page = 1
        return cls(
            q=(args.get("q") or "").strip()[:200],
            status=status if status in ("active", "inactive", "all") else "active",
            sort=sort if sort in sorts else default_sort,
            desc=args.get("dir") == "desc",
            page=page,
            filters={k: args[k].strip()[:50] for k in filters if (args.get(k) or "").strip()},
        )

    def int_filter(self, key: str) -> int | None:
        """Return a filter value as an id, or None when absent or not a number."""
        value = self.filters.get(key, "")
        return int(value) if value.isdigit() else None


def _paged(stmt: Select[Any], count_stmt: Select[Any], params: ListParams, order: list[Any]) -> Page[Any]:
    total = db.session.scalar(count_stmt) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(params.page, pages)
    items = list(db.session.scalars(stmt.order_by(*order).offset((page - 1) * PER_PAGE).limit(PER_PAGE)).unique())
    return Page(items=items, total=total, page=page)


# --- list pages from the declarations -----------------------------------------------------


@dataclass(frozen=True)
class ExtraFilter:
    """A list filter that is not one declared field's value (e.g. "due for review")."""

    label: Any
    #: (value, label) the filter offers; one option is shown as a checkbox
    options: tuple[tuple[str, Any], ...]
    #: (organisation, the filter's value, today) -> the SQL condition
    condition: Callable[[Organisation, str, date], Any]


@dataclass(frozen=True)
class ListSpec:
    """How one register table is listed: derived from its declaration, plus what is its own.

    From the declaration: the ``title`` (the first required text field, else the first required
    choice: the row's name), linked to the row's page; yes/no fields as badges beside it; every
    other field a sortable column in declaration order; a filter for every reference, choice
    and text field with suggested values; the search over every text field and referenced
    name; the status filter (the ``active`` flag, or a held period for a table with a date
    order); a "Touchpoints" count when touchpoints refer to the table's rows.

    Given per table: a ``subtitle`` shown under the title, ``details`` joining a second field
    into a column (a KPI and its target), ``text_filters`` (free-text fields whose values group
    rows, e.g. a department) and ``extra_filters`` that are no field's value.
    """

    table: str
    subtitle: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    text_filters: tuple[str, ...] = ()
    extra_filters: Mapping[str, ExtraFilter] = field(default_factory=dict)

    @property
    def declared(self) -> RegisterTable:
        return TABLE_BY_KEY[self.table]

    @property
    def model(self) -> Any:
        return MODELS[self.table]

    @property
    def title(self) -> str:
        """Return the field that names a row: the first required text, else the first required choice."""
        for kind in ("text", "choice"):
            for f in self.declared.fields:
                if f.required and f.kind == kind:
                    return f.name
        raise ValueError(f"register table {self.table} has no required text or choice field to name its rows")

    @property
    def default_sort(self) -> str:
        return self.title

    @property
    def filters(self) -> tuple[str, ...]:
        """Return the declared fields a list filters by: references, choices, suggested texts."""
        derived = tuple(
            f.name
            for f in self.declared.fields
            if f.kind in REFERENCE_KINDS or f.kind == "choice" or (f.kind == "text" and f.suggestions)
        )
        return derived + tuple(name for name in self.text_filters if name not in derived)

    @property
    def touchpoints_by(self) -> str | None:
        """Return the touchpoint field that points at this table's rows (a "Touchpoints" count column)."""
        for f in TABLE_BY_KEY["touchpoints"].fields:
            if REFERENCE_KINDS.get(f.kind) is self.model:
                return f.name
        return None

    @property
    def status(self) -> str:
        """Return "active" (the row's flag) or "held" (a period, e.g. a CX role held today)."""
        if any(f.name == "active" for f in self.declared.fields):
            return "active"
        if self.declared.date_order is None:
            raise ValueError(f"register table {self.table} has neither an active flag nor a date order")
        return "held"

    def badges(self) -> tuple[RegisterField, ...]:
        """Return the yes/no fields shown as badges beside the title."""
        return tuple(f for f in self.declared.fields if f.kind == "bool" and f.name != "active")

    def columns(self) -> tuple[RegisterField, ...]:
        """Return the fields shown as columns after the title, in declaration order."""
        skip = {"active", self.title, self.subtitle, *self.details.values()}
        return tuple(f for f in self.declared.fields if f.name not in skip and f.kind != "bool")

    def sorts(self) -> tuple[str, ...]:
        """Return the columns a list can be sorted by."""
        names = (self.title, *(f.name for f in self.columns()))
        return names + (("updated",) if hasattr(self.model, "updated_at") else ())

    def filter_fields(self) -> tuple[RegisterField, ...]:
        return tuple(self.declared.field(name) for name in self.filters)

    def params(self, args: Mapping[str, str]) -> ListParams:
        """Read a list's query string (unknown values fall back to defaults)."""
        return ListParams.from_args(args, self.sorts(), (*self.filters, *self.extra_filters), self.default_sort)


def _status(spec: ListSpec, status: str, today: date) -> Any:
    if spec.status == "held":
        start, end = (getattr(spec.model, name) for name in spec.declared.date_order or ())
        held = and_(start <= today, or_(end.is_(None), end >= today))
        return {"active": held, "inactive": ~held}.get(status, true())
    column = spec.model.active
    return {"active": column.is_(True), "inactive": column.is_(False)}.get(status, true())


def _filter(declared: RegisterField, column: Any, value: str) -> Any:
    """Return the condition of one declared field's filter value (true() for a value that means nothing)."""
    if declared.kind in REFERENCE_KINDS:
        if value == "none" and not declared.required:
            return column.is_(None)
        return column == int(value) if value.isdigit() else true()
    if declared.kind == "choice":
        return column == value if value in declared.choices else true()
    if declared.kind == "bool":
        return column.is_(value == "yes") if value in ("yes", "no") else true()
    if declared.kind in ("text", "email"):
        return column == value
    return true()


def rows_page(org: Organisation, spec: ListSpec, params: ListParams, today: date | None = None) -> Page[Any]:
    """Return one page of a table's rows with their references loaded (two queries, plus counts)."""
    today = today or date.today()
    model = spec.model
    fields = spec.declared.fields
    aliases = {f.name: aliased(REFERENCE_KINDS[f.kind]) for f in fields if f.kind in REFERENCE_KINDS}
    conditions: list[Any] = [model.org_id == org.id, _status(spec, params.status, today)]
    for declared in spec.filter_fields():
        value = params.filters.get(declared.name)
        if value:
            column = getattr(model, f"{declared.name}_id" if declared.name in aliases else declared.name)
            conditions.append(_filter(declared, column, value))
    for key, extra in spec.extra_filters.items():
        if params.filters.get(key) in {value for value, _label in extra.options}:
            conditions.append(extra.condition(org, params.filters[key], today))
    if params.q:
        searched = [getattr(model, f.name) for f in fields if f.kind in ("text", "email")]
        searched += [alias.name for alias in aliases.values()]
        conditions.append(or_(*(column.icontains(params.q, autoescape=True) for column in searched)))

    def joined(stmt: Select[Any]) -> Select[Any]:
        for name, alias in aliases.items():
            on = getattr(model, f"{name}_id") == alias.id
            stmt = stmt.join(alias, on) if spec.declared.field(name).required else stmt.outerjoin(alias, on)
        return stmt.where(*conditions)

    stmt = joined(select(model)).options(
        *(contains_eager(getattr(model, name).of_type(alias)) for name, alias in aliases.items())
    )
    count = joined(select(func.count(model.id)))
    page = _paged(stmt, count, params, _ordered(_sort_column(spec, params.sort, aliases), params, model.id))
    if spec.touchpoints_by:
        page.extra = _touchpoint_counts(getattr(Touchpoint, f"{spec.touchpoints_by}_id"), [r.id for r in page.items])
    return page


def _sort_column(spec: ListSpec, sort: str, aliases: Mapping[str, Any]) -> Any:
    if sort == "updated":
        return spec.model.updated_at
    if sort in aliases:
        return func.lower(aliases[sort].name)
    declared = spec.declared.field(sort)
    column = getattr(spec.model, sort)
    return func.lower(column) if declared.kind == "text" else column


def _ordered(column: Any, params: ListParams, tiebreak: Any) -> list[Any]:
    column = column.desc() if params.desc else column.asc()
    return [column.nulls_last(), tiebreak]


def _touchpoint_counts(column: Any, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(column, func.count()).where(column.in_(ids), Touchpoint.active.is_(True)).group_by(column)
        ).all()
    )


def filter_options(org: Organisation, spec: ListSpec) -> dict[str, list[tuple[str, str]]]:
    """Return each declared filter's options as (value, label), one query per filter at most."""
    options: dict[str, list[tuple[str, str]]] = {}
    for declared in spec.filter_fields():
        if declared.kind == "person":
            options[declared.name] = [(str(p.id), p.name) for p in people_choices(org)]
        elif declared.kind == "journey":
            options[declared.name] = [(str(j.id), j.name) for j in journeys_all(org)]
        elif declared.kind == "channel":
            options[declared.name] = [(str(c.id), c.name) for c in channels_all(org)]
        elif declared.kind == "choice":
            label = declared.choice_label or str
            options[declared.name] = [(value, label(value)) for value in declared.choices]
        elif declared.kind == "bool":
            options[declared.name] = [("yes", _("yes")), ("no", _("no"))]
        else:
            options[declared.name] = [(v, v) for v in distinct_values(org, spec.model, declared.name)]
    return options


def distinct_values(org: Organisation, model: Any, name: str) -> list[str]:
    """Return the distinct non-empty values of a text field in the organisation's rows."""
    column = getattr(model, name)
    return list(
        db.session.scalars(select(column).where(model.org_id == org.id, column != "").distinct().order_by(column))
    )


def _review_due(org: Organisation, value: str, today: date) -> Any:
    cutoff = today - timedelta(days=REVIEW_MAX_AGE_DAYS)
    return or_(Touchpoint.last_reviewed.is_(None), Touchpoint.last_reviewed < cutoff)


def _owns_something(org: Organisation, value: str, today: date) -> Any:
    return or_(
        Person.id.in_(select(Touchpoint.owner_id).where(Touchpoint.org_id == org.id, Touchpoint.active.is_(True))),
        Person.id.in_(select(Journey.owner_id).where(Journey.org_id == org.id, Journey.active.is_(True))),
        Person.id.in_(select(Channel.manager_id).where(Channel.org_id == org.id, Channel.active.is_(True))),
    )


#: table -> what its list has of its own; the rest comes from the declaration
LIST_OWN: dict[str, dict[str, Any]] = {
    "touchpoints": {
        "subtitle": "desired_feeling",
        "details": {"kpi": "kpi_target"},
        "extra_filters": {
            "review": ExtraFilter(_l("Due for review only"), (("stale", _l("Due for review only")),), _review_due)
        },
    },
    "people": {
        "text_filters": ("department",),
        "extra_filters": {"owns": ExtraFilter(_l("Owns"), (("yes", _l("Owns something")),), _owns_something)},
    },
    "journeys": {"subtitle": "description"},
}

#: table -> how it is listed (every declared table has a list)
LISTS: dict[str, ListSpec] = {table.key: ListSpec(table.key, **LIST_OWN.get(table.key, {})) for table in TABLES}


# --- choices and pages --------------------------------------------------------------------


def form_rows(
    org: Organisation, *, key: str, current: Mapping[str, int | None], everyone: bool
) -> dict[str, list[Person] | list[Journey] | list[Channel]]:
    """Return, per reference field of table ``key``, the rows its form select offers.

    People: the active ones plus the row's current holder (``current``: field name -> id);
    ``everyone`` (a posted form) adds inactive people, so that choosing one is refused by the
    register's rule, in its words, as the import refuses it. Journeys and channels: all of the
    organisation's (the form offers the active ones and the current one).
    """
    rows: dict[str, list[Person] | list[Journey] | list[Channel]] = {}
    for declared in TABLE_BY_KEY[key].fields:
        if declared.kind == "person":
            rows[declared.name] = people_choices(org, [current.get(declared.name)], everyone=everyone)
        elif declared.kind == "journey":
            rows[declared.name] = journeys_all(org)
        elif declared.kind == "channel":
            rows[declared.name] = channels_all(org)
    return rows


def org_members(org: Organisation) -> list[User]:
    """Return the organisation's members' accounts by name (a person may be linked to one)."""
    return list(
        db.session.scalars(select(User).join(Membership).where(Membership.org_id == org.id).order_by(User.name))
    )


def people_choices(org: Organisation, include: list[int | None] | None = None, everyone: bool = False) -> list[Person]:
    """Return the active people (plus the given ids, e.g. a current inactive owner), by name.

    ``everyone``: inactive people too (a posted choice is then judged by the register's rules).
    """
    extra = [i for i in (include or []) if i is not None]
    condition = Person.active.is_(True) if not extra else or_(Person.active.is_(True), Person.id.in_(extra))
    if everyone:
        condition = Person.id.is_not(None)
    return list(
        db.session.scalars(
            select(Person).where(Person.org_id == org.id, condition).order_by(func.lower(Person.name), Person.id)
        )
    )


def journeys_all(org: Organisation, active_only: bool = False) -> list[Journey]:
    """Return the organisation's journeys by name."""
    stmt = select(Journey).where(Journey.org_id == org.id)
    if active_only:
        stmt = stmt.where(Journey.active.is_(True))
    return list(db.session.scalars(stmt.order_by(func.lower(Journey.name))))


def channels_all(org: Organisation, active_only: bool = False) -> list[Channel]:
    """Return the organisation's channels by name."""
    stmt = select(Channel).where(Channel.org_id == org.id)
    if active_only:
        stmt = stmt.where(Channel.active.is_(True))
    return list(db.session.scalars(stmt.order_by(func.lower(Channel.name))))


@dataclass
class Matrix:
    journeys: list[Journey]
    channels: list[Channel]
    cells: dict[tuple[int, int], list[Touchpoint]]
    unowned: int
    total: int


def ownership_matrix(org: Organisation) -> Matrix:
    """Return active journeys x active channels with each cell's active touchpoints (six queries)."""
    # Journeys and channels in the order they were registered (lifecycle order, not A-Z).
    journeys = list(
        db.session.scalars(
            select(Journey)
            .where(Journey.org_id == org.id, Journey.active.is_(True))
            .options(selectinload(Journey.owner))
            .order_by(Journey.id)
        )
    )
    channels = list(
        db.session.scalars(
            select(Channel)
            .where(Channel.org_id == org.id, Channel.active.is_(True))
            .options(selectinload(Channel.manager))
            .order_by(Channel.id)
        )
    )
    journey_ids = {j.id for j in journeys}
    channel_ids = {c.id for c in channels}
    touchpoints = db.session.scalars(
        select(Touchpoint)
        .where(Touchpoint.org_id == org.id, Touchpoint.active.is_(True))
        .options(selectinload(Touchpoint.owner))
        .order_by(func.lower(Touchpoint.name), Touchpoint.id)
    )
    cells: dict[tuple[int, int], list[Touchpoint]] = {}
    unowned = total = 0
    for tp in touchpoints:
        if tp.journey_id in journey_ids and tp.channel_id in channel_ids:
            cells.setdefault((tp.journey_id, tp.channel_id), []).append(tp)
            total += 1
            unowned += tp.owner_id is None
    return Matrix(journeys=journeys, channels=channels, cells=cells, unowned=unowned, total=total)


def person_roles(person: Person) -> list[CxRole]:
    """Return every CX role the person has held, newest first."""
    return list(
        db.session.scalars(
            select(CxRole).where(CxRole.person_id == person.id).order_by(CxRole.since.desc(), CxRole.id.desc())
        )
    )


def person_owned(person: Person) -> dict[str, list[Any]]:
    """Return everything a person owns (active or not): touchpoints, journeys, channels."""
    return {
        "touchpoints": list(
            db.session.scalars(
                select(Touchpoint)
                .where(Touchpoint.owner_id == person.id)
                .options(selectinload(Touchpoint.journey), selectinload(Touchpoint.channel))
                .order_by(Touchpoint.active.desc(), func.lower(Touchpoint.name))
            )
        ),
        "journeys": list(
            db.session.scalars(
                select(Journey)
                .where(Journey.owner_id == person.id)
                .order_by(Journey.active.desc(), func.lower(Journey.name))
            )
        ),
        "channels": list(
            db.session.scalars(
                select(Channel)
                .where(Channel.manager_id == person.id)
                .order_by(Channel.active.desc(), func.lower(Channel.name))
            )
        ),
    }
