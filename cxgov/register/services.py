"""Register operations: one thin service per form action, each a call of the one write path.

The rules, the writing and the change log live in :mod:`cxgov.register.write`
(:func:`~cxgov.register.write.register_rows_apply`), which the spreadsheet import, the API and
the CLI use too. These functions keep the forms' vocabulary (a person to own, ``UNSET`` for
"leave this field alone") and return the row as an ORM object. Services flush; the view or CLI
command that calls them commits once. Bad input raises :class:`RegisterError` with a message
for the user, before anything is changed.

Optimistic locking: update functions take the ``version_id`` the editor started from; if
the row has been saved since, :class:`ConflictError` is raised and nothing is written.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..auth.models import User
from ..extensions import db
from ..orgs.models import Organisation
from .models import Channel, CxRole, DelegatedMandate, Journey, Person, Touchpoint
from .write import (
    MODELS,
    ConflictError,
    RegisterError,
    RowsRefused,
    register_row_delete,
    register_rows_apply,
    register_state,
)

__all__ = ["ConflictError", "RegisterError", "RowsRefused", "register_state", "person_ref", "UNSET"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: Default of optional update arguments: "leave this field alone".
UNSET: Any = _Unset()


def person_ref(person: Person | None) -> str | None:
    """Return how history names a person: "Name <email>", or the name alone."""
    if person is None:
        return None
    return f"{person.name} <{person.email}>" if person.email else person.name


def _given(**values: Any) -> dict[str, Any]:
    """Return the fields given (not ``UNSET``); ``**more`` of a wrapper is any other declared field."""
    return {name: value for name, value in values.items() if value is not UNSET}


def _create(org: Organisation, table: str, by: User | None, **values: Any) -> Any:
    (row_id,) = register_rows_apply(org=org, table=table, rows=[_given(**values)], by=by)
    return db.session.get(MODELS[table], row_id)


def _update(entity: Any, table: str, by: User | None, version_id: int | None, **values: Any) -> Any:
    row = {"id": entity.id, "version": version_id, **_given(**values)}
    org = db.session.get(Organisation, entity.org_id)
    assert org is not None
    register_rows_apply(org=org, table=table, rows=[row], by=by)
    return entity


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
    **more: Any,
) -> Person:
    """Add a person to the register."""
    return _create(
        org,
        "people",
        by,
        name=name,
        email=email,
        title=title,
        department=department,
        user=user,
        active=active,
        **more,
    )


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
    **more: Any,
) -> Person:
    """Change a person's details (``UNSET`` fields stay as they are)."""
    return _update(
        person,
        "people",
        by,
        version_id,
        name=name,
        email=email,
        title=title,
        department=department,
        user=user,
        active=active,
        **more,
    )


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
    if version_id is not None and int(version_id) != person.version_id:
        raise ConflictError("people", person.id, int(version_id))
    holdings = person_holdings(person)
    if not person.active and not any(holdings.values()):
        raise RegisterError(_("%(name)s is already inactive and owns nothing.", name=person.name))
    if reassign_to is not None:
        if reassign_to.org_id != person.org_id:
            raise RegisterError(
                _("The “%(field)s” chosen belongs to another organisation.", field=str(_l("New owner")))
            )
        if reassign_to.id == person.id:
            raise RegisterError(_("Choose someone else to take over."))
        if not reassign_to.active:
            raise RegisterError(_("%(name)s is inactive and cannot take over.", name=reassign_to.name))
    org = db.session.get(Organisation, person.org_id)
    assert org is not None
    counts = {"touchpoints": 0, "journeys": 0, "channels": 0, "roles": 0}
    new_owner = reassign_to.id if reassign_to is not None else None
    for key, model, attribute in (
        ("touchpoints", Touchpoint, "owner"),
        ("journeys", Journey, "owner"),
        ("channels", Channel, "manager"),
    ):
        column = getattr(model, f"{attribute}_id")
        owned = db.session.scalars(select(model.id).where(model.org_id == person.org_id, column == person.id)).all()
        register_rows_apply(org=org, table=key, rows=[{"id": i, attribute: new_owner} for i in owned], by=by)
        counts[key] = len(owned)
    today = date.today()
    ended = []
    for role in list(db.session.scalars(select(CxRole).where(CxRole.person_id == person.id))):
        if not role.is_active(today) and role.since <= today:
            continue
        counts["roles"] += 1
        if role.since >= today:
            # Starts today or later: there is no "yesterday" to end it on, so it goes.
            register_row_delete(org=org, entity=role, by=by)
        else:
            ended.append({"id": role.id, "until": today - timedelta(days=1)})
    register_rows_apply(org=org, table="cx_roles", rows=ended, by=by)
    if person.active:  # an inactive person who still owned things only hands them over
        register_rows_apply(org=org, table="people", rows=[{"id": person.id, "active": False}], by=by)
    return counts


def person_reactivate(*, person: Person, by: User | None, version_id: int | None = None) -> Person:
    """Make an inactive person active again (ownership and roles are not restored)."""
    return _set_active(person, "people", True, by, version_id)


# --- channels -----------------------------------------------------------------------------


def channel_create(
    *,
    org: Organisation,
    name: str,
    kind: str,
    manager: Person | None = None,
    active: bool = True,
    by: User | None,
    **more: Any,
) -> Channel:
    """Add a channel."""
    return _create(org, "channels", by, name=name, kind=kind, manager=manager, active=active, **more)


def channel_update(
    *,
    channel: Channel,
    by: User | None,
    version_id: int | None = None,
    name: str = UNSET,
    kind: str = UNSET,
    manager: Person | None = UNSET,
    active: bool = UNSET,
    **more: Any,
) -> Channel:
    """Change a channel's name, kind or manager."""
    return _update(channel, "channels", by, version_id, name=name, kind=kind, manager=manager, active=active, **more)


def channel_deactivate(*, channel: Channel, by: User | None, version_id: int | None = None) -> Channel:
    """Deactivate a channel (its touchpoints stop counting in health checks)."""
    return _set_active(channel, "channels", False, by, version_id)


def channel_reactivate(*, channel: Channel, by: User | None, version_id: int | None = None) -> Channel:
    """Reactivate a channel."""
    return _set_active(channel, "channels", True, by, version_id)


# --- journeys -----------------------------------------------------------------------------


def journey_create(
    *,
    org: Organisation,
    name: str,
    description: str = "",
    owner: Person | None = None,
    active: bool = True,
    by: User | None,
    **more: Any,
) -> Journey:
    """Add a journey."""
    return _create(org, "journeys", by, name=name, description=description, owner=owner, active=active, **more)


def journey_update(
    *,
    journey: Journey,
    by: User | None,
    version_id: int | None = None,
    name: str = UNSET,
    description: str = UNSET,
    owner: Person | None = UNSET,
    active: bool = UNSET,
    **more: Any,
) -> Journey:
    """Change a journey's name, description or owner."""
    return _update(
        journey, "journeys", by, version_id, name=name, description=description, owner=owner, active=active, **more
    )


def journey_deactivate(*, journey: Journey, by: User | None, version_id: int | None = None) -> Journey:
    """Deactivate a journey (its touchpoints stop counting in health checks)."""
    return _set_active(journey, "journeys", False, by, version_id)


def journey_reactivate(*, journey: Journey, by: User | None, version_id: int | None = None) -> Journey:
    """Reactivate a journey."""
    return _set_active(journey, "journeys", True, by, version_id)


# --- touchpoints --------------------------------------------------------------------------


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
    **more: Any,
) -> Touchpoint:
    """Add a touchpoint on a journey, in a channel."""
    return _create(
        org,
        "touchpoints",
        by,
        journey=journey,
        channel=channel,
        name=name,
        stage=stage,
        owner=owner,
        desired_feeling=desired_feeling,
        kpi=kpi,
        kpi_target=kpi_target,
        hygiene_factor=hygiene_factor,
        last_reviewed=last_reviewed,
        active=active,
        **more,
    )


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
    **more: Any,
) -> Touchpoint:
    """Change any field of a touchpoint (``UNSET`` fields stay as they are)."""
    return _update(
        touchpoint,
        "touchpoints",
        by,
        version_id,
        journey=journey,
        channel=channel,
        name=name,
        stage=stage,
        owner=owner,
        desired_feeling=desired_feeling,
        kpi=kpi,
        kpi_target=kpi_target,
        hygiene_factor=hygiene_factor,
        last_reviewed=last_reviewed,
        active=active,
        **more,
    )


def touchpoint_deactivate(*, touchpoint: Touchpoint, by: User | None, version_id: int | None = None) -> Touchpoint:
    """Deactivate a touchpoint."""
    return _set_active(touchpoint, "touchpoints", False, by, version_id)


def touchpoint_reactivate(*, touchpoint: Touchpoint, by: User | None, version_id: int | None = None) -> Touchpoint:
    """Reactivate a touchpoint."""
    return _set_active(touchpoint, "touchpoints", True, by, version_id)


# --- CX roles -----------------------------------------------------------------------------


def cx_role_create(
    *,
    org: Organisation,
    person: Person,
    role: str,
    since: date,
    until: date | None = None,
    note: str = "",
    by: User | None,
    **more: Any,
) -> CxRole:
    """Give a person a CX role from ``since`` (until ``until``, or open-ended)."""
    return _create(org, "cx_roles", by, person=person, role=role, since=since, until=until, note=note, **more)


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
    **more: Any,
) -> CxRole:
    """Change a CX role's holder, kind, dates or note."""
    return _update(
        cx_role, "cx_roles", by, version_id, person=person, role=role, since=since, until=until, note=note, **more
    )


def cx_role_end(
    *, cx_role: CxRole, by: User | None, version_id: int | None = None, until: date | None = None
) -> CxRole:
    """End a CX role: its last day is ``until`` (default yesterday, or its start day if later)."""
    if not cx_role.is_active():
        raise RegisterError(_("This role is not active."))
    if until is None:
        return _update(cx_role, "cx_roles", by, version_id, active=False)
    return _update(cx_role, "cx_roles", by, version_id, until=max(until, cx_role.since))


def cx_role_reactivate(*, cx_role: CxRole, by: User | None, version_id: int | None = None) -> CxRole:
    """Reopen an ended CX role (no end date)."""
    if cx_role.until is None:
        raise RegisterError(_("This role has no end date."))
    if not cx_role.person.active:
        raise RegisterError(_("%(name)s is inactive; reactivate the person first.", name=cx_role.person.name))
    return _update(cx_role, "cx_roles", by, version_id, active=True)


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
    **more: Any,
) -> DelegatedMandate:
    """Define what a role or team may decide on the spot."""
    return _create(
        org, "mandates", by, holder=holder, decision=decision, limit=limit, channel=channel, active=active, **more
    )


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
    **more: Any,
) -> DelegatedMandate:
    """Change a delegated mandate."""
    return _update(
        mandate,
        "mandates",
        by,
        version_id,
        holder=holder,
        decision=decision,
        limit=limit,
        channel=channel,
        active=active,
        **more,
    )


def mandate_deactivate(
    *, mandate: DelegatedMandate, by: User | None, version_id: int | None = None
) -> DelegatedMandate:
    """Withdraw a delegated mandate."""
    return _set_active(mandate, "mandates", False, by, version_id)


def mandate_reactivate(
    *, mandate: DelegatedMandate, by: User | None, version_id: int | None = None
) -> DelegatedMandate:
    """Reinstate a delegated mandate."""
    return _set_active(mandate, "mandates", True, by, version_id)


# --- shared -------------------------------------------------------------------------------


def _set_active(entity: Any, table: str, active: bool, by: User | None, version_id: int | None) -> Any:
    if version_id is not None and int(version_id) != entity.version_id:
        raise ConflictError(table, entity.id, int(version_id))
    if entity.active == active:
        raise RegisterError(_("This record is already active.") if active else _("This record is already inactive."))
    return _update(entity, table, by, version_id, active=active)


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
