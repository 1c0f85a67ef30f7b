"""Read-side queries for the register pages: filtered, sorted, paginated, without N+1.

Each list runs two queries (the count and the page) with the related rows joined in, plus
at most one grouped query for per-row counts, whatever the page size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Generic, Mapping, TypeVar

from sqlalchemy import Select, and_, func, or_, select, true
from sqlalchemy.orm import aliased, contains_eager, selectinload

from ..extensions import db
from ..orgs.models import Organisation
from .health import REVIEW_MAX_AGE_DAYS
from .models import Channel, CxRole, DelegatedMandate, Journey, Person, Touchpoint

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


def _status(column: Any, status: str) -> Any:
    return {"active": column.is_(True), "inactive": column.is_(False)}.get(status, true())


def _paged(stmt: Select, count_stmt: Select, params: ListParams, order: list[Any]) -> Page:
    total = db.session.scalar(count_stmt) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(params.page, pages)
    items = list(db.session.scalars(stmt.order_by(*order).offset((page - 1) * PER_PAGE).limit(PER_PAGE)).unique())
    return Page(items=items, total=total, page=page)


def _ordered(column: Any, params: ListParams, tiebreak: Any) -> list[Any]:
    column = column.desc() if params.desc else column.asc()
    return [column.nulls_last(), tiebreak]


def _owner_filter(column: Any, params: ListParams, key: str = "owner") -> Any:
    value = params.filters.get(key)
    if value == "none":
        return column.is_(None)
    owner_id = params.int_filter(key)
    return column == owner_id if owner_id is not None else true()


TOUCHPOINT_SORTS = ("name", "journey", "channel", "stage", "owner", "last_reviewed", "updated")
TOUCHPOINT_FILTERS = ("journey", "channel", "owner", "stage", "review", "hygiene")


def touchpoints_page(org: Organisation, params: ListParams, today: date | None = None) -> Page[Touchpoint]:
    """Return one page of touchpoints with journey, channel and owner loaded."""
    owner = aliased(Person)
    conditions = [
        Touchpoint.org_id == org.id,
        _status(Touchpoint.active, params.status),
        _owner_filter(Touchpoint.owner_id, params),
    ]
    for key, column in (("journey", Touchpoint.journey_id), ("channel", Touchpoint.channel_id)):
        value = params.int_filter(key)
        if value is not None:
            conditions.append(column == value)
    if params.filters.get("stage"):
        conditions.append(Touchpoint.stage == params.filters["stage"])
    if params.filters.get("review") == "stale":
        cutoff = (today or date.today()) - timedelta(days=REVIEW_MAX_AGE_DAYS)
        conditions.append(or_(Touchpoint.last_reviewed.is_(None), Touchpoint.last_reviewed < cutoff))
    if params.filters.get("hygiene") in ("yes", "no"):
        conditions.append(Touchpoint.hygiene_factor.is_(params.filters["hygiene"] == "yes"))
    if params.q:
        q = params.q
        conditions.append(
            or_(
                Touchpoint.name.icontains(q, autoescape=True),
                Touchpoint.desired_feeling.icontains(q, autoescape=True),
                Touchpoint.kpi.icontains(q, autoescape=True),
                Touchpoint.stage.icontains(q, autoescape=True),
                Journey.name.icontains(q, autoescape=True),
                Channel.name.icontains(q, autoescape=True),
                owner.name.icontains(q, autoescape=True),
            )
        )

    def joined(stmt: Select) -> Select:
        return (
            stmt.join(Journey, Touchpoint.journey_id == Journey.id)
            .join(Channel, Touchpoint.channel_id == Channel.id)
            .outerjoin(owner, Touchpoint.owner_id == owner.id)
            .where(and_(*conditions))
        )

    stmt = joined(select(Touchpoint)).options(
        contains_eager(Touchpoint.journey),
        contains_eager(Touchpoint.channel),
        contains_eager(Touchpoint.owner.of_type(owner)),
    )
    count = joined(select(func.count(Touchpoint.id)))
    column = {
        "name": func.lower(Touchpoint.name),
        "journey": func.lower(Journey.name),
        "channel": func.lower(Channel.name),
        "stage": func.lower(Touchpoint.stage),
        "owner": func.lower(owner.name),
        "last_reviewed": Touchpoint.last_reviewed,
        "updated": Touchpoint.updated_at,
    }[params.sort]
    return _paged(stmt, count, params, _ordered(column, params, Touchpoint.id))


PERSON_SORTS = ("name", "email", "title", "department", "updated")
PERSON_FILTERS = ("department", "owns")


def people_page(org: Organisation, params: ListParams) -> Page[Person]:
    """Return one page of people; ``extra`` maps person id -> touchpoints owned."""
    conditions = [Person.org_id == org.id, _status(Person.active, params.status)]
    if params.filters.get("department"):
        conditions.append(Person.department == params.filters["department"])
    if params.filters.get("owns") == "yes":
        conditions.append(
            or_(
                Person.id.in_(
                    select(Touchpoint.owner_id).where(Touchpoint.org_id == org.id, Touchpoint.active.is_(True))
                ),
                Person.id.in_(select(Journey.owner_id).where(Journey.org_id == org.id, Journey.active.is_(True))),
                Person.id.in_(select(Channel.manager_id).where(Channel.org_id == org.id, Channel.active.is_(True))),
            )
        )
    if params.q:
        q = params.q
        conditions.append(
            or_(
                Person.name.icontains(q, autoescape=True),
                Person.email.icontains(q, autoescape=True),
                Person.title.icontains(q, autoescape=True),
                Person.department.icontains(q, autoescape=True),
            )
        )
    stmt = select(Person).where(*conditions).options(selectinload(Person.user))
    count = select(func.count(Person.id)).where(*conditions)
    column = {
        "name": func.lower(Person.name),
        "email": Person.email,
        "title": func.lower(Person.title),
        "department": func.lower(Person.department),
        "updated": Person.updated_at,
    }[params.sort]
    page = _paged(stmt, count, params, _ordered(column, params, Person.id))
    ids = [p.id for p in page.items]
    if ids:
        page.extra = dict(
            db.session.execute(
                select(Touchpoint.owner_id, func.count())
                .where(Touchpoint.owner_id.in_(ids), Touchpoint.active.is_(True))
                .group_by(Touchpoint.owner_id)
            ).all()
        )
    return page


CHANNEL_SORTS = ("name", "kind", "manager", "updated")
CHANNEL_FILTERS = ("kind", "manager")


def _touchpoint_counts(column: Any, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(column, func.count()).where(column.in_(ids), Touchpoint.active.is_(True)).group_by(column)
        ).all()
    )


def channels_page(org: Organisation, params: ListParams) -> Page[Channel]:
    """Return one page of channels with managers; ``extra`` maps channel id -> touchpoints."""
    manager = aliased(Person)
    conditions = [
        Channel.org_id == org.id,
        _status(Channel.active, params.status),
        _owner_filter(Channel.manager_id, params, "manager"),
    ]
    if params.filters.get("kind"):
        conditions.append(Channel.kind == params.filters["kind"])
    if params.q:
        conditions.append(
            or_(Channel.name.icontains(params.q, autoescape=True), manager.name.icontains(params.q, autoescape=True))
        )
    stmt = (
        select(Channel)
        .outerjoin(manager, Channel.manager_id == manager.id)
        .where(*conditions)
        .options(contains_eager(Channel.manager.of_type(manager)))
    )
    count = select(func.count(Channel.id)).outerjoin(manager, Channel.manager_id == manager.id).where(*conditions)
    column = {
        "name": func.lower(Channel.name),
        "kind": Channel.kind,
        "manager": func.lower(manager.name),
        "updated": Channel.updated_at,
    }[params.sort]
    page = _paged(stmt, count, params, _ordered(column, params, Channel.id))
    page.extra = _touchpoint_counts(Touchpoint.channel_id, [c.id for c in page.items])
    return page


JOURNEY_SORTS = ("name", "owner", "updated")
JOURNEY_FILTERS = ("owner",)


def journeys_page(org: Organisation, params: ListParams) -> Page[Journey]:
    """Return one page of journeys with owners; ``extra`` maps journey id -> touchpoints."""
    owner = aliased(Person)
    conditions = [
        Journey.org_id == org.id,
        _status(Journey.active, params.status),
        _owner_filter(Journey.owner_id, params),
    ]
    if params.q:
        conditions.append(
            or_(
                Journey.name.icontains(params.q, autoescape=True),
                Journey.description.icontains(params.q, autoescape=True),
                owner.name.icontains(params.q, autoescape=True),
            )
        )
    stmt = (
        select(Journey)
        .outerjoin(owner, Journey.owner_id == owner.id)
        .where(*conditions)
        .options(contains_eager(Journey.owner.of_type(owner)))
    )
    count = select(func.count(Journey.id)).outerjoin(owner, Journey.owner_id == owner.id).where(*conditions)
    column = {"name": func.lower(Journey.name), "owner": func.lower(owner.name), "updated": Journey.updated_at}[
        params.sort
    ]
    page = _paged(stmt, count, params, _ordered(column, params, Journey.id))
    page.extra = _touchpoint_counts(Touchpoint.journey_id, [j.id for j in page.items])
    return page


ROLE_SORTS = ("role", "person", "since", "until")
ROLE_FILTERS = ("role", "person")


def roles_page(org: Organisation, params: ListParams, today: date | None = None) -> Page[CxRole]:
    """Return one page of CX roles with their people; "active" means held today."""
    today = today or date.today()
    held = and_(CxRole.since <= today, or_(CxRole.until.is_(None), CxRole.until >= today))
    status = {"active": held, "inactive": ~held}.get(params.status, true())
    conditions = [CxRole.org_id == org.id, status]
    if params.filters.get("role"):
        conditions.append(CxRole.role == params.filters["role"])
    person_id = params.int_filter("person")
    if person_id is not None:
        conditions.append(CxRole.person_id == person_id)
    if params.q:
        conditions.append(
            or_(Person.name.icontains(params.q, autoescape=True), CxRole.note.icontains(params.q, autoescape=True))
        )
    stmt = (
        select(CxRole)
        .join(Person, CxRole.person_id == Person.id)
        .where(*conditions)
        .options(contains_eager(CxRole.person))
    )
    count = select(func.count(CxRole.id)).join(Person, CxRole.person_id == Person.id).where(*conditions)
    column = {"role": CxRole.role, "person": func.lower(Person.name), "since": CxRole.since, "until": CxRole.until}[
        params.sort
    ]
    return _paged(stmt, count, params, _ordered(column, params, CxRole.id))


MANDATE_SORTS = ("holder", "decision", "limit", "channel")
MANDATE_FILTERS = ("channel",)


def mandates_page(org: Organisation, params: ListParams) -> Page[DelegatedMandate]:
    """Return one page of delegated mandates with their channels."""
    channel = aliased(Channel)
    conditions = [DelegatedMandate.org_id == org.id, _status(DelegatedMandate.active, params.status)]
    value = params.filters.get("channel")
    if value == "none":
        conditions.append(DelegatedMandate.channel_id.is_(None))
    elif params.int_filter("channel") is not None:
        conditions.append(DelegatedMandate.channel_id == params.int_filter("channel"))
    if params.q:
        q = params.q
        conditions.append(
            or_(
                DelegatedMandate.holder.icontains(q, autoescape=True),
                DelegatedMandate.decision.icontains(q, autoescape=True),
                DelegatedMandate.limit.icontains(q, autoescape=True),
            )
        )
    stmt = (
        select(DelegatedMandate)
        .outerjoin(channel, DelegatedMandate.channel_id == channel.id)
        .where(*conditions)
        .options(contains_eager(DelegatedMandate.channel.of_type(channel)))
    )
    count = (
        select(func.count(DelegatedMandate.id))
        .outerjoin(channel, DelegatedMandate.channel_id == channel.id)
        .where(*conditions)
    )
    column = {
        "holder": func.lower(DelegatedMandate.holder),
        "decision": func.lower(DelegatedMandate.decision),
        "limit": DelegatedMandate.limit,
        "channel": func.lower(channel.name),
    }[params.sort]
    return _paged(stmt, count, params, _ordered(column, params, DelegatedMandate.id))


# --- choices and pages --------------------------------------------------------------------


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


def departments(org: Organisation) -> list[str]:
    """Return the distinct non-empty departments of the organisation's people."""
    return [
        d
        for d in db.session.scalars(
            select(Person.department)
            .where(Person.org_id == org.id, Person.department != "")
            .distinct()
            .order_by(Person.department)
        )
    ]


def stages_used(org: Organisation) -> list[str]:
    """Return the distinct non-empty stages used by the organisation's touchpoints."""
    return [
        s
        for s in db.session.scalars(
            select(Touchpoint.stage)
            .where(Touchpoint.org_id == org.id, Touchpoint.stage != "")
            .distinct()
            .order_by(Touchpoint.stage)
        )
    ]


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
