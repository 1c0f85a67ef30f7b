"""Register operations: create, update, deactivate and reactivate each kind of row.

Every operation writes a change log entry with the row's state before and after (names,
not ids, so the history still reads well after renames). Services flush; the view or CLI
command that calls them commits once. Bad input raises :class:`RegisterError` with a
message for the user, before anything is changed.

Optimistic locking: update functions take the ``version_id`` the editor started from; if
the row has been saved since, :class:`ConflictError` is raised and nothing is written. A
save that races past this check still fails at flush (SQLAlchemy's version counter), with
``sqlalchemy.orm.exc.StaleDataError``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from ..auth.models import User
from ..extensions import db
from ..history.services import change_record, jsonable
from ..orgs.models import Organisation
from ..messages import N_
from ..validators import is_email, normalise_email
from . import rules
from .tables import TABLE_BY_KEY, text_labels, text_limits
from .models import (
    CHANNEL_KINDS,
    CX_ROLE_KINDS,
    Channel,
    CxRole,
    DelegatedMandate,
    Journey,
    Person,
    Touchpoint,
)


class RegisterError(ValueError):
    """A register change that cannot be made; the message is for the user."""


class ConflictError(RegisterError):
    """Someone else saved the row after the editor loaded it (a stale ``version_id``)."""

    def __init__(self, entity: Any, expected_version: int) -> None:
        super().__init__(_("Someone else saved this record after you opened it. Nothing was overwritten."))
        self.entity = entity
        self.expected_version = expected_version


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: Default of optional update arguments: "leave this field alone".
UNSET: Any = _Unset()

#: Field name -> most characters, from the register's declarations.
MAX_LENGTHS = text_limits()
#: field name -> the label its form and spreadsheet column show (named in the refusals)
FIELD_LABELS = text_labels()


# --- history states -----------------------------------------------------------------------


def person_ref(person: Person | None) -> str | None:
    """Return how history names a person: "Name <email>", or the name alone."""
    if person is None:
        return None
    return f"{person.name} <{person.email}>" if person.email else person.name


#: Model -> its declared table (cxgov/register/tables.py).
_TABLE_OF_MODEL: dict[type, str] = {
    Person: "people",
    Channel: "channels",
    Journey: "journeys",
    Touchpoint: "touchpoints",
    CxRole: "cx_roles",
    DelegatedMandate: "mandates",
}


def register_state(entity: Any) -> dict[str, Any]:
    """Return the JSON-able state of a register row as history records it (names, not ids).

    The fields are the declared ones (plus a person's cxgov account), so a field added to a
    table's declaration is in its history too.
    """
    table = _TABLE_OF_MODEL.get(type(entity))
    if table is None:
        raise TypeError(f"not a register row: {entity!r}")
    state: dict[str, Any] = {}
    for declared in TABLE_BY_KEY[table].fields:
        value = getattr(entity, declared.name)
        if declared.kind == "person":
            value = person_ref(value)
        elif declared.kind in ("journey", "channel"):
            value = value.name if value is not None else None
        elif declared.kind == "date":
            value = jsonable(value)
        state[declared.name] = value
    if isinstance(entity, Person):
        state["user"] = entity.user.email if entity.user_id and entity.user else None
    return state


def _record(
    org_id: int, entity: Any, action: str, before: dict[str, Any], by: User | None, import_batch: Any = None
) -> None:
    if entity.id is None:
        db.session.flush()  # a new row needs its id for the history entry
    org = db.session.get(Organisation, org_id)
    change_record(
        org=org,
        entity=entity,
        action=action,
        before=before,
        after=register_state(entity),
        by=by,
        import_batch=import_batch,
    )


# --- validation helpers -------------------------------------------------------------------


def _text(value: str | None, field: str, *, required: bool = False) -> str:
    text = (value or "").strip()
    label = str(FIELD_LABELS.get(field, field))
    if required and not text:
        raise RegisterError(_("“%(field)s” is required.", field=label))
    limit = MAX_LENGTHS.get(field)
    if limit and len(text) > limit:
        raise RegisterError(
            ngettext(
                "“%(field)s” is too long (at most %(num)d character).",
                "“%(field)s” is too long (at most %(num)d characters).",
                limit,
                field=label,
            )
        )
    if field != "description" and any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise RegisterError(_("“%(field)s” contains control characters.", field=label))
    return text


def _check_version(entity: Any, version_id: int | None) -> None:
    if version_id is not None and int(version_id) != entity.version_id:
        raise ConflictError(entity, int(version_id))


def _same_org(org_id: int, obj: Any, what: Any) -> None:
    """Refuse ``obj`` from another organisation; ``what`` is the (translated) label of its field."""
    if obj is not None and obj.org_id != org_id:
        raise RegisterError(_("The “%(field)s” chosen belongs to another organisation.", field=str(what)))


#: what -> the refusal of a second row with the same name
ALREADY_EXISTS = {
    "channel": N_("A channel named “%(name)s” already exists."),
    "journey": N_("A journey named “%(name)s” already exists."),
}


def _unique(model: Any, org_id: int, name: str, exclude_id: int | None, what: str) -> None:
    query = select(model.id).where(model.org_id == org_id, func.lower(model.name) == name.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise RegisterError(_(ALREADY_EXISTS[what], name=name))


def _email(org_id: int, value: str | None, exclude_id: int | None) -> str | None:
    email = normalise_email(value or "") or None
    if email is None:
        return None
    if not is_email(email):
        raise RegisterError(_("“%(email)s” is not a valid e-mail address.", email=email))
    query = select(Person.id).where(Person.org_id == org_id, Person.email == email)
    if exclude_id is not None:
        query = query.where(Person.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise RegisterError(_("Another person already has the e-mail address %(email)s.", email=email))
    return email


def _set(entity: Any, **values: Any) -> None:
    for name, value in values.items():
        if value is not UNSET:
            setattr(entity, name, value)


def _pick(value: Any, current: Any) -> Any:
    return current if value is UNSET else value


# --- people -------------------------------------------------------------------------------


def person_create(
    *,
    org: Organisation,
    name: str,
    email: str | None = None,
    title: str = "",
    department: str = "",
    user: User | None = None,
    active: bool = True,
    by: User | None,
    import_batch: Any = None,
) -> Person:
    """Add a person to the register."""
    person = Person(
        org_id=org.id,
        name=_text(name, "name", required=True),
        email=_email(org.id, email, None),
        title=_text(title, "title"),
        department=_text(department, "department"),
        user_id=user.id if user is not None else None,
        active=bool(active),
    )
    db.session.add(person)
    _record(org.id, person, "create", {}, by, import_batch)
    return person


def person_update(
    *,
    person: Person,
    by: User | None,
    version_id: int | None = None,
    name: str = UNSET,
    email: str | None = UNSET,
    title: str = UNSET,
    department: str = UNSET,
    user: User | None = UNSET,
    active: bool = UNSET,
    import_batch: Any = None,
) -> Person:
    """Change a person's details (``UNSET`` fields stay as they are)."""
    _check_version(person, version_id)
    before = register_state(person)
    _set(
        person,
        name=UNSET if name is UNSET else _text(name, "name", required=True),
        email=UNSET if email is UNSET else _email(person.org_id, email, person.id),
        title=UNSET if title is UNSET else _text(title, "title"),
        department=UNSET if department is UNSET else _text(department, "department"),
        user_id=UNSET if user is UNSET else (user.id if user is not None else None),
    )
    if active is not UNSET:
        person.active = bool(active)
    _record(person.org_id, person, "update", before, by, import_batch)
    return person


def person_holdings(person: Person) -> dict[str, list[Any]]:
    """Return the active things a person owns or manages, and the CX roles they hold today."""
    today = date.today()
    return {
        "touchpoints": list(
            db.session.scalars(
                select(Touchpoint)
                .where(
                    Touchpoint.org_id == person.org_id, Touchpoint.owner_id == person.id, Touchpoint.active.is_(True)
                )
                .order_by(Touchpoint.name)
            )
        ),
        "journeys": list(
            db.session.scalars(
                select(Journey)
                .where(Journey.org_id == person.org_id, Journey.owner_id == person.id, Journey.active.is_(True))
                .order_by(Journey.name)
            )
        ),
        "channels": list(
            db.session.scalars(
                select(Channel)
                .where(Channel.org_id == person.org_id, Channel.manager_id == person.id, Channel.active.is_(True))
                .order_by(Channel.name)
            )
        ),
        "roles": [
            r
            for r in db.session.scalars(
                select(CxRole)
                .where(CxRole.org_id == person.org_id, CxRole.person_id == person.id)
                .order_by(CxRole.since)
            )
            if r.is_active(today)
        ],
    }


def person_remove(
    *, person: Person, reassign_to: Person | None, by: User | None, version_id: int | None = None
) -> dict[str, int]:
    """Deactivate a person: hand what they own to ``reassign_to`` (or leave it unowned), end their roles.

    For a person already inactive who still owns things (e.g. marked inactive by an import),
    this hands their things over. Returns how many touchpoints, journeys, channels and roles were moved or ended. Also
    inactive things they own move, so nothing keeps pointing at someone who left.
    """
    _check_version(person, version_id)
    holdings = person_holdings(person)
    if not person.active and not any(holdings.values()):
        raise RegisterError(_("%(name)s is already inactive and owns nothing.", name=person.name))
    if reassign_to is not None:
        _same_org(person.org_id, reassign_to, _l("New owner"))
        if reassign_to.id == person.id:
            raise RegisterError(_("Choose someone else to take over."))
        if not reassign_to.active:
            raise RegisterError(_("%(name)s is inactive and cannot take over.", name=reassign_to.name))
    counts = {"touchpoints": 0, "journeys": 0, "channels": 0, "roles": 0}
    owned = [
        ("touchpoints", Touchpoint, "owner"),
        ("journeys", Journey, "owner"),
        ("channels", Channel, "manager"),
    ]
    for key, model, attribute in owned:
        column = getattr(model, f"{attribute}_id")
        for row in db.session.scalars(select(model).where(model.org_id == person.org_id, column == person.id)):
            before = register_state(row)
            setattr(row, attribute, reassign_to)
            _record(person.org_id, row, "update", before, by)
            counts[key] += 1
    today = date.today()
    for role in list(db.session.scalars(select(CxRole).where(CxRole.person_id == person.id))):
        if not role.is_active(today) and role.since <= today:
            continue
        counts["roles"] += 1
        if role.since >= today:
            # Starts today or later: there is no "yesterday" to end it on, so it goes.
            _record_delete(person.org_id, role, by)
        else:
            before = register_state(role)
            role.until = today - timedelta(days=1)
            _record(person.org_id, role, "update", before, by)
    if person.active:  # an inactive person who still owned things only hands them over
        before = register_state(person)
        person.active = False
        _record(person.org_id, person, "deactivate", before, by)
    return counts


def _record_delete(org_id: int, entity: Any, by: User | None) -> None:
    before = register_state(entity)
    org = db.session.get(Organisation, org_id)
    change_record(org=org, entity=entity, action="delete", before=before, after={}, by=by)
    db.session.delete(entity)
    db.session.flush()


def person_reactivate(*, person: Person, by: User | None, version_id: int | None = None) -> Person:
    """Make an inactive person active again (ownership and roles are not restored)."""
    return _set_active(person, True, by, version_id)


# --- channels -----------------------------------------------------------------------------


def _kind(kind: str) -> str:
    if kind not in CHANNEL_KINDS:
        raise RegisterError(
            _("Unknown channel kind “%(kind)s”; use one of %(kinds)s.", kind=kind, kinds=", ".join(CHANNEL_KINDS))
        )
    return kind


def _active_person(
    org_id: int, person: Person | None, table: str, field: str, current: Person | None = None
) -> Person | None:
    """Return ``person`` for a field declared ``active_person``; refuse an inactive newcomer."""
    declared = TABLE_BY_KEY[table].field(field)
    _same_org(org_id, person, declared.label)
    if person is not None and not person.active and person is not current and declared.active_person:
        raise RegisterError(rules.inactive_person(person.name, declared.active_person))
    return person


def channel_create(
    *,
    org: Organisation,
    name: str,
    kind: str,
    manager: Person | None = None,
    active: bool = True,
    by: User | None,
    import_batch: Any = None,
) -> Channel:
    """Add a channel."""
    name = _text(name, "name", required=True)
    _unique(Channel, org.id, name, None, "channel")
    channel = Channel(
        org_id=org.id,
        name=name,
        kind=_kind(kind),
        manager=_active_person(org.id, manager, "channels", "manager"),
        active=bool(active),
    )
    db.session.add(channel)
    _record(org.id, channel, "create", {}, by, import_batch)
    return channel


def channel_update(
    *,
    channel: Channel,
    by: User | None,
    version_id: int | None = None,
    name: str = UNSET,
    kind: str = UNSET,
    manager: Person | None = UNSET,
    active: bool = UNSET,
    import_batch: Any = None,
) -> Channel:
    """Change a channel's name, kind or manager."""
    _check_version(channel, version_id)
    before = register_state(channel)
    if name is not UNSET:
        name = _text(name, "name", required=True)
        _unique(Channel, channel.org_id, name, channel.id, "channel")
    _set(
        channel,
        name=name,
        kind=UNSET if kind is UNSET else _kind(kind),
        manager=UNSET
        if manager is UNSET
        else _active_person(channel.org_id, manager, "channels", "manager", channel.manager),
    )
    if active is not UNSET:
        channel.active = bool(active)
    _record(channel.org_id, channel, "update", before, by, import_batch)
    return channel


def channel_deactivate(*, channel: Channel, by: User | None, version_id: int | None = None) -> Channel:
    """Deactivate a channel (its touchpoints stop counting in health checks)."""
    return _set_active(channel, False, by, version_id)


def channel_reactivate(*, channel: Channel, by: User | None, version_id: int | None = None) -> Channel:
    """Reactivate a channel."""
    return _set_active(channel, True, by, version_id)


# --- journeys -----------------------------------------------------------------------------


def journey_create(
    *,
    org: Organisation,
    name: str,
    description: str = "",
    owner: Person | None = None,
    active: bool = True,
    by: User | None,
    import_batch: Any = None,
) -> Journey:
    """Add a journey."""
    name = _text(name, "name", required=True)
    _unique(Journey, org.id, name, None, "journey")
    journey = Journey(
        org_id=org.id,
        name=name,
        description=_text(description, "description"),
        owner=_active_person(org.id, owner, "journeys", "owner"),
        active=bool(active),
    )
    db.session.add(journey)
    _record(org.id, journey, "create", {}, by, import_batch)
    return journey


def journey_update(
    *,
    journey: Journey,
    by: User | None,
    version_id: int | None = None,
    name: str = UNSET,
    description: str = UNSET,
    owner: Person | None = UNSET,
    active: bool = UNSET,
    import_batch: Any = None,
) -> Journey:
    """Change a journey's name, description or owner."""
    _check_version(journey, version_id)
    before = register_state(journey)
    if name is not UNSET:
        name = _text(name, "name", required=True)
        _unique(Journey, journey.org_id, name, journey.id, "journey")
    _set(
        journey,
        name=name,
        description=UNSET if description is UNSET else _text(description, "description"),
        owner=UNSET if owner is UNSET else _active_person(journey.org_id, owner, "journeys", "owner", journey.owner),
    )
    if active is not UNSET:
        journey.active = bool(active)
    _record(journey.org_id, journey, "update", before, by, import_batch)
    return journey


def journey_deactivate(*, journey: Journey, by: User | None, version_id: int | None = None) -> Journey:
    """Deactivate a journey (its touchpoints stop counting in health checks)."""
    return _set_active(journey, False, by, version_id)


def journey_reactivate(*, journey: Journey, by: User | None, version_id: int | None = None) -> Journey:
    """Reactivate a journey."""
    return _set_active(journey, True, by, version_id)


# --- touchpoints --------------------------------------------------------------------------


def _touchpoint_unique(org_id: int, journey: Journey, channel: Channel, name: str, exclude_id: int | None) -> None:
    query = select(Touchpoint.id).where(
        Touchpoint.org_id == org_id,
        Touchpoint.journey_id == journey.id,
        Touchpoint.channel_id == channel.id,
        func.lower(Touchpoint.name) == name.lower(),
    )
    if exclude_id is not None:
        query = query.where(Touchpoint.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise RegisterError(
            _(
                "“%(name)s” already exists on %(journey)s in %(channel)s.",
                name=name,
                journey=journey.name,
                channel=channel.name,
            )
        )


def touchpoint_create(
    *,
    org: Organisation,
    journey: Journey,
    channel: Channel,
    name: str,
    stage: str = "",
    owner: Person | None = None,
    desired_feeling: str = "",
    kpi: str = "",
    kpi_target: str = "",
    hygiene_factor: bool = False,
    last_reviewed: date | None = None,
    active: bool = True,
    by: User | None,
    import_batch: Any = None,
) -> Touchpoint:
    """Add a touchpoint on a journey, in a channel."""
    _same_org(org.id, journey, _l("Journey"))
    _same_org(org.id, channel, _l("Channel"))
    name = _text(name, "name", required=True)
    _touchpoint_unique(org.id, journey, channel, name, None)
    touchpoint = Touchpoint(
        org_id=org.id,
        journey=journey,
        channel=channel,
        name=name,
        stage=_text(stage, "stage"),
        owner=_active_person(org.id, owner, "touchpoints", "owner"),
        desired_feeling=_text(desired_feeling, "desired_feeling"),
        kpi=_text(kpi, "kpi"),
        kpi_target=_text(kpi_target, "kpi_target"),
        hygiene_factor=bool(hygiene_factor),
        last_reviewed=_review_date(last_reviewed),
        active=bool(active),
    )
    db.session.add(touchpoint)
    _record(org.id, touchpoint, "create", {}, by, import_batch)
    return touchpoint


def _review_date(value: date | None) -> date | None:
    if value is not None and value > date.today():
        raise RegisterError(rules.not_future(TABLE_BY_KEY["touchpoints"].field("last_reviewed").not_future or ""))
    return value


def touchpoint_update(
    *,
    touchpoint: Touchpoint,
    by: User | None,
    version_id: int | None = None,
    journey: Journey = UNSET,
    channel: Channel = UNSET,
    name: str = UNSET,
    stage: str = UNSET,
    owner: Person | None = UNSET,
    desired_feeling: str = UNSET,
    kpi: str = UNSET,
    kpi_target: str = UNSET,
    hygiene_factor: bool = UNSET,
    last_reviewed: date | None = UNSET,
    active: bool = UNSET,
    import_batch: Any = None,
) -> Touchpoint:
    """Change any field of a touchpoint (``UNSET`` fields stay as they are)."""
    _check_version(touchpoint, version_id)
    org_id = touchpoint.org_id
    before = register_state(touchpoint)
    if journey is not UNSET:
        _same_org(org_id, journey, _l("Journey"))
    if channel is not UNSET:
        _same_org(org_id, channel, _l("Channel"))
    new_name = _pick(name, touchpoint.name)
    if name is not UNSET:
        new_name = _text(name, "name", required=True)
    if (journey, channel, name) != (UNSET, UNSET, UNSET):
        _touchpoint_unique(
            org_id, _pick(journey, touchpoint.journey), _pick(channel, touchpoint.channel), new_name, touchpoint.id
        )
    _set(
        touchpoint,
        journey=journey,
        channel=channel,
        name=UNSET if name is UNSET else new_name,
        stage=UNSET if stage is UNSET else _text(stage, "stage"),
        owner=UNSET if owner is UNSET else _active_person(org_id, owner, "touchpoints", "owner", touchpoint.owner),
        desired_feeling=UNSET if desired_feeling is UNSET else _text(desired_feeling, "desired_feeling"),
        kpi=UNSET if kpi is UNSET else _text(kpi, "kpi"),
        kpi_target=UNSET if kpi_target is UNSET else _text(kpi_target, "kpi_target"),
        hygiene_factor=UNSET if hygiene_factor is UNSET else bool(hygiene_factor),
        last_reviewed=UNSET if last_reviewed is UNSET else _review_date(last_reviewed),
    )
    if active is not UNSET:
        touchpoint.active = bool(active)
    _record(org_id, touchpoint, "update", before, by, import_batch)
    return touchpoint


def touchpoint_deactivate(*, touchpoint: Touchpoint, by: User | None, version_id: int | None = None) -> Touchpoint:
    """Deactivate a touchpoint."""
    return _set_active(touchpoint, False, by, version_id)


def touchpoint_reactivate(*, touchpoint: Touchpoint, by: User | None, version_id: int | None = None) -> Touchpoint:
    """Reactivate a touchpoint."""
    return _set_active(touchpoint, True, by, version_id)


# --- CX roles -----------------------------------------------------------------------------


def _role_kind(role: str) -> str:
    if role not in CX_ROLE_KINDS:
        raise RegisterError(
            _("Unknown CX role “%(role)s”; use one of %(roles)s.", role=role, roles=", ".join(CX_ROLE_KINDS))
        )
    return role


def _role_dates(since: date | None, until: date | None) -> tuple[date, date | None]:
    if since is None:
        raise RegisterError(_("The start date is required."))
    if until is not None and until < since:
        raise RegisterError(rules.date_order())
    return since, until


def cx_role_create(
    *,
    org: Organisation,
    person: Person,
    role: str,
    since: date,
    until: date | None = None,
    note: str = "",
    by: User | None,
    import_batch: Any = None,
) -> CxRole:
    """Give a person a CX role from ``since`` (until ``until``, or open-ended)."""
    _active_person(org.id, person, "cx_roles", "person")
    since, until = _role_dates(since, until)
    cx_role = CxRole(
        org_id=org.id, person=person, role=_role_kind(role), since=since, until=until, note=_text(note, "note")
    )
    db.session.add(cx_role)
    _record(org.id, cx_role, "create", {}, by, import_batch)
    return cx_role


def cx_role_update(
    *,
    cx_role: CxRole,
    by: User | None,
    version_id: int | None = None,
    person: Person = UNSET,
    role: str = UNSET,
    since: date = UNSET,
    until: date | None = UNSET,
    note: str = UNSET,
    import_batch: Any = None,
) -> CxRole:
    """Change a CX role's holder, kind, dates or note."""
    _check_version(cx_role, version_id)
    before = register_state(cx_role)
    if person is not UNSET:
        _active_person(cx_role.org_id, person, "cx_roles", "person", cx_role.person)
    new_since, new_until = _role_dates(_pick(since, cx_role.since), _pick(until, cx_role.until))
    _set(
        cx_role,
        person=person,
        role=UNSET if role is UNSET else _role_kind(role),
        since=new_since,
        until=new_until,
        note=UNSET if note is UNSET else _text(note, "note"),
    )
    _record(cx_role.org_id, cx_role, "update", before, by, import_batch)
    return cx_role


def cx_role_end(
    *, cx_role: CxRole, by: User | None, version_id: int | None = None, until: date | None = None
) -> CxRole:
    """End a CX role: its last day is ``until`` (default yesterday, or its start day if later)."""
    _check_version(cx_role, version_id)
    if not cx_role.is_active():
        raise RegisterError(_("This role is not active."))
    before = register_state(cx_role)
    cx_role.until = max(until or date.today() - timedelta(days=1), cx_role.since)
    _record(cx_role.org_id, cx_role, "deactivate", before, by)
    return cx_role


def cx_role_reactivate(*, cx_role: CxRole, by: User | None, version_id: int | None = None) -> CxRole:
    """Reopen an ended CX role (no end date)."""
    _check_version(cx_role, version_id)
    if cx_role.until is None:
        raise RegisterError(_("This role has no end date."))
    if not cx_role.person.active:
        raise RegisterError(_("%(name)s is inactive; reactivate the person first.", name=cx_role.person.name))
    before = register_state(cx_role)
    cx_role.until = None
    _record(cx_role.org_id, cx_role, "reactivate", before, by)
    return cx_role


# --- delegated mandates -------------------------------------------------------------------


def mandate_create(
    *,
    org: Organisation,
    holder: str,
    decision: str,
    limit: str = "",
    channel: Channel | None = None,
    active: bool = True,
    by: User | None,
    import_batch: Any = None,
) -> DelegatedMandate:
    """Define what a role or team may decide on the spot."""
    _same_org(org.id, channel, _l("Channel"))
    mandate = DelegatedMandate(
        org_id=org.id,
        holder=_text(holder, "holder", required=True),
        decision=_text(decision, "decision", required=True),
        limit=_text(limit, "limit"),
        channel=channel,
        active=bool(active),
    )
    db.session.add(mandate)
    _record(org.id, mandate, "create", {}, by, import_batch)
    return mandate


def mandate_update(
    *,
    mandate: DelegatedMandate,
    by: User | None,
    version_id: int | None = None,
    holder: str = UNSET,
    decision: str = UNSET,
    limit: str = UNSET,
    channel: Channel | None = UNSET,
    active: bool = UNSET,
    import_batch: Any = None,
) -> DelegatedMandate:
    """Change a delegated mandate."""
    _check_version(mandate, version_id)
    before = register_state(mandate)
    if channel is not UNSET:
        _same_org(mandate.org_id, channel, _l("Channel"))
    _set(
        mandate,
        holder=UNSET if holder is UNSET else _text(holder, "holder", required=True),
        decision=UNSET if decision is UNSET else _text(decision, "decision", required=True),
        limit=UNSET if limit is UNSET else _text(limit, "limit"),
        channel=channel,
    )
    if active is not UNSET:
        mandate.active = bool(active)
    _record(mandate.org_id, mandate, "update", before, by, import_batch)
    return mandate


def mandate_deactivate(
    *, mandate: DelegatedMandate, by: User | None, version_id: int | None = None
) -> DelegatedMandate:
    """Withdraw a delegated mandate."""
    return _set_active(mandate, False, by, version_id)


def mandate_reactivate(
    *, mandate: DelegatedMandate, by: User | None, version_id: int | None = None
) -> DelegatedMandate:
    """Reinstate a delegated mandate."""
    return _set_active(mandate, True, by, version_id)


# --- shared -------------------------------------------------------------------------------


def _set_active(entity: Any, active: bool, by: User | None, version_id: int | None) -> Any:
    _check_version(entity, version_id)
    if entity.active == active:
        raise RegisterError(_("This record is already active.") if active else _("This record is already inactive."))
    before = register_state(entity)
    entity.active = active
    _record(entity.org_id, entity, "reactivate" if active else "deactivate", before, by)
    return entity


def register_counts(org: Organisation) -> dict[str, dict[str, int]]:
    """Return {table: {"active": n, "inactive": n}} for the register start page (one query per table)."""
    counts: dict[str, dict[str, int]] = {}
    for key, model in (
        ("people", Person),
        ("channels", Channel),
        ("journeys", Journey),
        ("touchpoints", Touchpoint),
        ("mandates", DelegatedMandate),
    ):
        rows = db.session.execute(
            select(model.active, func.count()).where(model.org_id == org.id).group_by(model.active)
        ).all()
        tally = {bool(active): n for active, n in rows}
        counts[key] = {"active": tally.get(True, 0), "inactive": tally.get(False, 0)}
    today = date.today()
    active_roles = (
        db.session.scalar(
            select(func.count())
            .select_from(CxRole)
            .where(CxRole.org_id == org.id, CxRole.since <= today, (CxRole.until.is_(None)) | (CxRole.until >= today))
        )
        or 0
    )
    all_roles = db.session.scalar(select(func.count()).select_from(CxRole).where(CxRole.org_id == org.id)) or 0
    counts["roles"] = {"active": active_roles, "inactive": all_roles - active_roles}
    return counts
