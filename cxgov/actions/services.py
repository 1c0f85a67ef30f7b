"""Action services: draft from a gap, create, edit, note, carry forward. Flush only; callers commit.

Every change goes to the change history (entity type "action"), so "who moved the due date"
is always answerable. Edits name the version they started from; a save from an older version
is refused with :class:`ActionConflict` (the view answers 409 with both versions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..auth.models import User
from ..cycles.models import Cycle
from ..cycles.services import cycle_framework, cycle_opened, cycle_score
from ..db import utcnow
from ..extensions import db
from ..framework.checks import OWNER_HINT_ROLES
from ..framework.model import Framework, Practice
from ..history.services import change_record
from ..orgs.models import Organisation
from ..register.models import Channel, CxRole, Journey, Person, Touchpoint
from .models import (
    ACTION_STATUSES,
    DESCRIPTION_MAX,
    DROP_REASON_MAX,
    NOTE_MAX,
    OPEN_STATUSES,
    TITLE_MAX,
    Action,
    ActionCycleLink,
    ActionNote,
)


class ActionError(Exception):
    """A refused action change; the message is shown to the user as is."""


class ActionConflict(ActionError):
    """The edit started from an older version of the action than the one stored."""

    def __init__(self, message: str, current: Action) -> None:
        super().__init__(message)
        self.current = current


# -- suggested owners --------------------------------------------------------------------


def _role_holder(org_id: int, role: str, today: date) -> Person | None:
    """Return the active person holding ``role`` longest (earliest since), or None."""
    return db.session.scalar(
        select(Person)
        .join(CxRole, CxRole.person_id == Person.id)
        .where(
            CxRole.org_id == org_id,
            CxRole.role == role,
            CxRole.since <= today,
            (CxRole.until.is_(None)) | (CxRole.until >= today),
            Person.active.is_(True),
        )
        .order_by(CxRole.since, CxRole.id)
        .limit(1)
    )


def _single_owner(column: Any, model: Any, org_id: int) -> Person | None:
    """Return the one person who manages/owns every active channel or journey that has one."""
    owner_ids = set(
        db.session.scalars(select(column).where(model.org_id == org_id, model.active.is_(True), column.is_not(None)))
    )
    if len(owner_ids) != 1:
        return None
    person = db.session.get(Person, owner_ids.pop())
    return person if person is not None and person.active else None


def suggested_owner(
    *, org: Organisation, owner_hint: str | None, touchpoint: Touchpoint | None = None, today: date | None = None
) -> Person | None:
    """Return the register person who usually owns a step with ``owner_hint``, or None.

    Roles map to the active holder of the CX role (sponsor -> cx_sponsor ...). A channel
    manager or journey owner is only determinable from a touchpoint, or when one person
    manages every channel (owns every journey); otherwise the omnichannel lead stands in for
    the channels, and the sponsor for everything else, including hints with no register role.
    """
    today = today or date.today()
    person: Person | None = None
    if owner_hint in OWNER_HINT_ROLES:
        person = _role_holder(org.id, OWNER_HINT_ROLES[owner_hint], today)
    elif owner_hint == "channel_manager":
        if touchpoint is not None and touchpoint.channel is not None:
            person = touchpoint.channel.manager
        person = person or _single_owner(Channel.manager_id, Channel, org.id)
        person = person or _role_holder(org.id, "omnichannel_lead", today)
    elif owner_hint == "journey_owner":
        if touchpoint is not None and touchpoint.journey is not None:
            person = touchpoint.journey.owner
        person = person or _single_owner(Journey.owner_id, Journey, org.id)
    elif touchpoint is not None:
        person = touchpoint.owner
    if person is not None and not person.active:
        person = None
    return person or _role_holder(org.id, "cx_sponsor", today)


# -- drafting from a gap -----------------------------------------------------------------
@dataclass(frozen=True)
class ActionDraft:
    """What a new action from a gap is prefilled with (the user edits it afterwards)."""

    practice_id: str
    title: str
    description: str
    priority: float
    owner: Person | None
    level: int | None  #: the practice's current level, rounded down (the step starts there)
    target_level: int  #: the level the step reaches


def gap_draft(
    *,
    org: Organisation,
    cycle: Cycle,
    framework: Framework,
    practice_id: str,
    level: float | None,
    priority: float,
    lang: str | None = None,
) -> ActionDraft:
    """Return the prefill for an action that closes the gap of ``practice_id`` in ``cycle``."""
    try:
        practice: Practice = framework.practice(practice_id)
    except KeyError:
        raise ActionError(
            _("%(pid)s is not a practice of the %(period)s framework.", pid=practice_id, period=cycle.period)
        ) from None
    current = max(1, min(5, int(level))) if level is not None else 1
    if current >= 5:
        raise ActionError(_("%(pid)s is already at the highest level; there is no next step.", pid=practice_id))
    target = current + 1
    title = _(
        "%(practice)s %(title)s: reach level %(level)d",
        practice=practice.id,
        title=practice.title.get(lang),
        level=target,
    )[:TITLE_MAX]
    step = practice.next_step(current, lang) or ""
    owner = suggested_owner(org=org, owner_hint=practice.owner_hint)
    return ActionDraft(
        practice_id=practice.id,
        title=title,
        description=step[:DESCRIPTION_MAX],
        priority=float(priority or 0.0),
        owner=owner,
        level=current,
        target_level=target,
    )


def action_create_from_gap(
    *, org: Organisation, cycle: Cycle, practice_id: str, by: User | None, now: datetime | None = None
) -> Action:
    """Create a planned action from a practice's gap in ``cycle``, prefilled from framework and register."""
    if cycle.org_id != org.id:
        raise ActionError(_("That cycle belongs to another organisation."))
    framework = cycle_framework(cycle)
    result = cycle_score(cycle=cycle, org=org)
    try:
        practice_result = result.practice(practice_id)
    except KeyError:
        raise ActionError(
            _("%(pid)s is not a practice of the %(period)s framework.", pid=practice_id, period=cycle.period)
        ) from None
    draft = gap_draft(
        org=org,
        cycle=cycle,
        framework=framework,
        practice_id=practice_id,
        level=practice_result.level,
        priority=practice_result.priority,
        lang=org.language,
    )
    return action_create(
        org=org,
        by=by,
        title=draft.title,
        description=draft.description,
        practice_id=draft.practice_id,
        owner=draft.owner,
        priority=draft.priority,
        source_cycle=cycle,
        now=now,
    )


# -- creating and editing --------------------------------------------------------------------
def _clean_text(value: str | None, limit: int, what: str, *, one_line: bool) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise ActionError(
            ngettext(
                "“%(field)s” is too long (at most %(num)d character).",
                "“%(field)s” is too long (at most %(num)d characters).",
                limit,
                field=what,
            )
        )
    bad = [c for c in text if (ord(c) < 32 and (one_line or c not in "\n\r\t")) or ord(c) == 127]
    if bad:
        raise ActionError(_("Remove the control characters from “%(field)s”.", field=what))
    return text


def _check_owner(org: Organisation, owner: Person | None) -> None:
    if owner is not None and owner.org_id != org.id:
        raise ActionError(_("The owner must be a person in this organisation's register."))


def action_create(
    *,
    org: Organisation,
    by: User | None,
    title: str,
    description: str = "",
    practice_id: str | None = None,
    touchpoint: Touchpoint | None = None,
    owner: Person | None = None,
    due_date: date | None = None,
    priority: float = 0.0,
    source_cycle: Cycle | None = None,
    status: str = "planned",
    now: datetime | None = None,
) -> Action:
    """Create an action for a practice and/or a touchpoint and record it in the history."""
    title = _clean_text(title, TITLE_MAX, _("Title"), one_line=True)
    if not title:
        raise ActionError(_("Give the action a title."))
    description = _clean_text(description, DESCRIPTION_MAX, _("Description"), one_line=False)
    practice_id = (practice_id or "").strip().upper() or None
    if practice_id is None and touchpoint is None:
        raise ActionError(_("Choose the practice or the touchpoint the action improves."))
    if touchpoint is not None and touchpoint.org_id != org.id:
        raise ActionError(_("The touchpoint belongs to another organisation."))
    if source_cycle is not None and source_cycle.org_id != org.id:
        raise ActionError(_("That cycle belongs to another organisation."))
    _check_owner(org, owner)
    if status not in ("planned", "in_progress"):
        raise ActionError(_("A new action is planned or in progress."))
    now = now or utcnow()
    action = Action(
        org_id=org.id,
        practice_id=practice_id,
        touchpoint_id=touchpoint.id if touchpoint else None,
        source_cycle_id=source_cycle.id if source_cycle else None,
        title=title,
        description=description,
        owner_id=owner.id if owner else None,
        due_date=due_date,
        status=status,
        priority=float(priority or 0.0),
        created_by_id=by.id if by else None,
        created_at=now,
        updated_at=now,
    )
    db.session.add(action)
    db.session.flush()
    _record(org, action, "create", {}, action.as_record(), by, now)
    return action


_UNSET: Any = object()


def action_update(
    *,
    org: Organisation,
    action: Action,
    by: User | None,
    version_id: int | None,
    title: str = _UNSET,
    description: str = _UNSET,
    owner: Person | None = _UNSET,
    due_date: date | None = _UNSET,
    status: str = _UNSET,
    drop_reason: str = _UNSET,
    practice_id: str | None = _UNSET,
    touchpoint: Touchpoint | None = _UNSET,
    now: datetime | None = None,
) -> Action:
    """Change an action's fields; refuse a stale version and a drop without a reason."""
    if action.org_id != org.id:
        raise ActionError(_("That action belongs to another organisation."))
    if version_id is not None and version_id != action.version_id:
        raise ActionConflict(
            _("Someone else changed this action since you opened it. Compare their version with yours and save again."),
            action,
        )
    before = action.as_record()
    if title is not _UNSET:
        cleaned = _clean_text(title, TITLE_MAX, _("Title"), one_line=True)
        if not cleaned:
            raise ActionError(_("Give the action a title."))
        action.title = cleaned
    if description is not _UNSET:
        action.description = _clean_text(description, DESCRIPTION_MAX, _("Description"), one_line=False)
    if owner is not _UNSET:
        _check_owner(org, owner)
        action.owner_id = owner.id if owner is not None else None
    if due_date is not _UNSET:
        action.due_date = due_date
    if practice_id is not _UNSET:
        action.practice_id = (practice_id or "").strip().upper() or None
    if touchpoint is not _UNSET:
        if touchpoint is not None and touchpoint.org_id != org.id:
            raise ActionError(_("The touchpoint belongs to another organisation."))
        action.touchpoint_id = touchpoint.id if touchpoint is not None else None
    if action.practice_id is None and action.touchpoint_id is None:
        raise ActionError(_("Choose the practice or the touchpoint the action improves."))
    if drop_reason is not _UNSET:
        action.drop_reason = _clean_text(drop_reason, DROP_REASON_MAX, _("Reason"), one_line=False)
    if status is not _UNSET and status != action.status:
        _set_status(action, status, now or utcnow())
    if action.status == "dropped" and not action.drop_reason:
        raise ActionError(_("Say why the action is dropped."))
    after = action.as_record()
    if after == before:
        return action
    action.updated_at = now or utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        # Actions are never deleted, so the row that won the race is there to compare with.
        current = db.session.get_one(Action, action.id)
        raise ActionConflict(
            _("Someone else changed this action while you saved. Compare their version with yours and save again."),
            current,
        ) from None
    _record(org, action, "update", before, after, by, now)
    return action


def _set_status(action: Action, status: str, now: datetime) -> None:
    if status not in ACTION_STATUSES:
        raise ActionError(
            _("%(status)r is not a status; use one of %(all)s.", status=status, all=", ".join(ACTION_STATUSES))
        )
    action.status = status
    action.done_at = now if status == "done" else None


def action_note_add(
    *, org: Organisation, action: Action, by: User | None, text: str, at: datetime | None = None
) -> ActionNote:
    """Add a dated progress note to an action (recorded in the history as an update)."""
    if action.org_id != org.id:
        raise ActionError(_("That action belongs to another organisation."))
    text = _clean_text(text, NOTE_MAX, _("Note"), one_line=False)
    if not text:
        raise ActionError(_("Write the progress note first."))
    at = at or utcnow()
    if at > utcnow():
        raise ActionError(_("A progress note cannot be dated in the future."))
    note = ActionNote(org_id=org.id, action_id=action.id, at=at, user_id=by.id if by else None, text=text)
    db.session.add(note)
    db.session.flush()
    _record(org, action, "update", {"note": None}, {"note": f"{at.date().isoformat()}: {text}"[:500]}, by, at)
    return note


def _record(
    org: Organisation,
    action: Action,
    kind: str,
    before: dict[str, Any],
    after: dict[str, Any],
    by: User | None,
    now: datetime | None,
) -> None:
    """Write the change history entry, dated ``now`` when the caller replays past events (demo)."""
    entry = change_record(org=org, entity=action, action=kind, before=before, after=after, by=by)
    if entry is not None and now is not None:
        entry.at = now


# -- follow-up across cycles -------------------------------------------------------------------
def actions_carry_forward(*, cycle: Cycle, now: datetime | None = None) -> int:
    """Link every action still open into ``cycle`` (just opened); return how many were carried.

    Idempotent: an action already linked to the cycle is not linked twice. Only actions made
    before the cycle opened count; the ones made during the quarter belong to it anyway.
    """
    now = now or utcnow()
    linked = select(ActionCycleLink.action_id).where(ActionCycleLink.cycle_id == cycle.id)
    open_actions = db.session.execute(
        select(Action.id, Action.status).where(
            Action.org_id == cycle.org_id,
            Action.status.in_(OPEN_STATUSES),
            Action.created_at <= now,
            Action.id.not_in(linked),
            (Action.source_cycle_id.is_(None)) | (Action.source_cycle_id != cycle.id),
        )
    ).all()
    for action_id, status in open_actions:
        db.session.add(
            ActionCycleLink(
                org_id=cycle.org_id, action_id=action_id, cycle_id=cycle.id, status_then=status, carried_at=now
            )
        )
    db.session.flush()
    return len(open_actions)


@cycle_opened.connect
def _carry_forward_into_opened_cycle(cycle: Cycle, **_extra: Any) -> None:
    """Open actions follow into the quarter that just opened."""
    actions_carry_forward(cycle=cycle, now=cycle.opened_at)
