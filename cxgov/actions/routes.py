"""The action plan pages: the plan, one action, create (by hand or from a gap), edit, notes, export."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit import security_event
from ..cycles.models import Cycle
from ..cycles.services import cycle_framework
from ..extensions import db
from ..history.services import history_for_entity
from ..i18n import current_language
from ..nav import NAV_BADGES
from ..orgs.models import EDIT_REGISTER, MANAGE, READ
from ..register.models import Person, Touchpoint
from ..scoring.engine import CycleResult
from ..tenancy import current_org, current_role, org_blueprint, org_get, roles_required
from . import selectors, services
from .export import action_plan_csv, action_plan_xlsx
from .forms import ActionForm, NoteForm
from .models import ACTION_STATUSES, Action, ActionCycleLink, status_label

bp = org_blueprint("actions", __name__, url_prefix="/actions")


# -- helpers for templates elsewhere (cycle dashboard, report page, person page) -------------
@bp.app_template_global("action_followup_for")
def action_followup_for(cycle: Cycle, result: CycleResult | None = None) -> dict[str, list[selectors.ActionFollowUp]]:
    """Return a cycle's follow-up grouped by practice id, for the cycle dashboard partial."""
    return selectors.followup_by_practice(selectors.action_followup(cycle.org_id, cycle, result=result))


@bp.app_template_global("actions_of_person")
def actions_of_person(person: Person) -> list[Action]:
    """Return a register person's actions, for the person page partial."""
    return selectors.actions_for_person(person.org_id, person.id)


@bp.app_template_global("open_action_for_practice")
def open_action_for_practice(practice_id: str) -> int | None:
    """Return the id of an open action on ``practice_id`` in the current org (one query per request)."""

    cache = getattr(g, "_open_actions_by_practice", None)
    if cache is None:
        rows = db.session.execute(
            select(Action.practice_id, Action.id)
            .where(
                Action.org_id == g.org.id,
                Action.status.in_(("planned", "in_progress")),
                Action.practice_id.is_not(None),
            )
            .order_by(Action.id)
        ).all()
        cache = g._open_actions_by_practice = {pid: aid for pid, aid in rows}
    return cache.get(practice_id)


@bp.app_template_global("can_manage_actions")
def can_manage_actions() -> bool:
    """Return True when the current member may create and edit actions."""

    return getattr(g, "membership", None) is not None and g.membership.role in MANAGE


def _overdue_badge() -> int | None:
    """Count the overdue actions owned by the current user's register person (one query)."""

    org = getattr(g, "org", None)
    if org is None or not current_user.is_authenticated:
        return None
    return selectors.overdue_count_for_user(org.id, current_user.id) or None


NAV_BADGES["actions.index"] = _overdue_badge


# -- choices ----------------------------------------------------------------------------------
def _people(org_id: int, keep: int | None = None) -> list[Person]:
    query = select(Person).where(Person.org_id == org_id)
    query = query.where(Person.active.is_(True) | (Person.id == keep)) if keep else query.where(Person.active.is_(True))
    return list(db.session.scalars(query.order_by(Person.name)))


def _fill_choices(form: ActionForm, org_id: int, action: Action | None = None) -> None:
    framework = selectors.org_framework(org_id)
    lang = current_language()
    practices = [("", _("(none: a touchpoint only)"))]
    if framework is not None:
        practices += [(p.id, f"{p.id} {p.title.get(lang)}") for p in framework.practices]
    current_practice = action.practice_id if action else None
    if current_practice and current_practice not in {v for v, _l in practices}:
        practices.append((current_practice, current_practice))
    form.practice_id.choices = practices
    owner_keep = action.owner_id if action else None
    form.owner_id.choices = [(None, _("(no owner yet)"))] + [
        (p.id, p.name + (f" · {p.title}" if p.title else "")) for p in _people(org_id, owner_keep)
    ]
    tp_keep = action.touchpoint_id if action else None

    query = (
        select(Touchpoint)
        .where(Touchpoint.org_id == org_id)
        .options(selectinload(Touchpoint.journey), selectinload(Touchpoint.channel))
    )
    query = (
        query.where(Touchpoint.active.is_(True) | (Touchpoint.id == tp_keep))
        if tp_keep
        else query.where(Touchpoint.active.is_(True))
    )
    touchpoints = sorted(db.session.scalars(query), key=lambda t: t.label.lower())
    form.touchpoint_id.choices = [(None, _("(none)"))] + [(t.id, t.label) for t in touchpoints]


def _person_or_none(person_id: int | None) -> Person | None:
    return org_get(Person, person_id) if person_id else None


def _touchpoint_or_none(touchpoint_id: int | None) -> Touchpoint | None:
    return org_get(Touchpoint, touchpoint_id) if touchpoint_id else None


# -- the plan ---------------------------------------------------------------------------------
def _filters_from_args() -> selectors.ActionFilters:
    args = request.args
    status = args.get("status") or None
    if status not in (*ACTION_STATUSES, "open", None):
        status = None
    owner = args.get("owner", "")
    dimension = (args.get("dimension") or "").strip().upper()[:2] or None
    practice = (args.get("practice") or "").strip().upper()[:10] or None
    sort = args.get("sort", "")
    sort = sort if sort in selectors.SORTS else "due"
    return selectors.ActionFilters(
        status=status,
        owner_id=int(owner) if owner.isdigit() else None,
        dimension=dimension if dimension and dimension.isalpha() else None,
        practice_id=practice if practice and practice.isalnum() else None,
        overdue=args.get("overdue") == "1",
        sort=sort,
    )


@bp.route("/")
@roles_required(READ)
def index() -> ResponseReturnValue:
    """The action plan: summary counts, filters, and every action in the chosen order."""
    org = current_org()
    filters = _filters_from_args()
    today = date.today()
    framework = selectors.org_framework(org.id)
    titles = selectors.practice_titles(framework, current_language())
    dimensions = (
        [(d.code, f"{d.code}. {d.title.get(current_language())}") for d in framework.dimensions]
        if framework is not None
        else []
    )
    return render_template(
        "actions/index.html",
        actions=selectors.actions_list(org.id, filters, today),
        filters=filters,
        summary=selectors.actions_summary(org.id, today),
        today=today,
        titles=titles,
        dimensions=dimensions,
        people=_people(org.id),
        statuses=[(s, status_label(s)) for s in ACTION_STATUSES],
        filtered=any([filters.status, filters.owner_id, filters.dimension, filters.practice_id, filters.overdue]),
        can_manage=current_role() in MANAGE,
        me=db.session.scalar(select(Person).where(Person.org_id == org.id, Person.user_id == current_user.id).limit(1)),
    )


@bp.route("/<int:action_id>")
@roles_required(READ)
def detail(action_id: int) -> ResponseReturnValue:
    """One action: what, who, when, its progress notes and its change history."""
    org = current_org()
    action = org_get(Action, action_id)
    titles = selectors.practice_titles(selectors.org_framework(org.id), current_language())
    source = db.session.get(Cycle, action.source_cycle_id) if action.source_cycle_id else None

    carried = list(
        db.session.scalars(
            select(Cycle.period)
            .join(ActionCycleLink, ActionCycleLink.cycle_id == Cycle.id)
            .where(ActionCycleLink.action_id == action.id)
            .order_by(Cycle.period)
        )
    )
    note_form = NoteForm(formdata=None, at=date.today())
    return render_template(
        "actions/detail.html",
        action=action,
        titles=titles,
        source=source,
        carried=carried,
        history=selectors.readable_history(
            org.id, history_for_entity(org=org, entity_type="action", entity_id=action.id)
        ),
        note_form=note_form,
        today=date.today(),
        can_manage=current_role() in MANAGE,
        can_note=current_role() in EDIT_REGISTER,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(MANAGE)
def create() -> ResponseReturnValue:
    """Create an action by hand against a practice or a touchpoint."""
    org = current_org()
    form = ActionForm()
    _fill_choices(form, org.id)
    if request.method == "GET":
        # Links from a practice or touchpoint page preselect it (?practice=A2, ?touchpoint=7).
        practice = (request.args.get("practice") or "").upper()[:10]
        form.practice_id.data = practice if practice in {v for v, _label in form.practice_id.choices} else ""
        touchpoint = request.args.get("touchpoint", "")
        if touchpoint.isdigit() and int(touchpoint) in {v for v, _label in form.touchpoint_id.choices}:
            form.touchpoint_id.data = int(touchpoint)
    form.status.choices = [c for c in form.status.choices if c[0] in ("planned", "in_progress")]
    if form.validate_on_submit():
        try:
            action = services.action_create(
                org=org,
                by=current_user,
                title=form.title.data,
                description=form.description.data or "",
                practice_id=form.practice_id.data or None,
                touchpoint=_touchpoint_or_none(form.touchpoint_id.data),
                owner=_person_or_none(form.owner_id.data),
                due_date=form.due_date.data,
                status=form.status.data,
            )
        except services.ActionError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("The action was added to the plan."), "success")
            return redirect(url_for("actions.detail", action_id=action.id))
    return render_template("actions/edit.html", form=form, action=None, conflict=None), 200 if not form.errors else 400


@bp.route("/from-gap/<int:cycle_id>/<practice_id>", methods=["POST"])
@roles_required(MANAGE)
def create_from_gap(cycle_id: int, practice_id: str) -> ResponseReturnValue:
    """Turn a gap's recommended next step into a planned action, then open it for editing."""
    org = current_org()
    cycle = org_get(Cycle, cycle_id)
    practice_id = practice_id.strip().upper()[:10]
    existing = db.session.scalar(
        select(Action)
        .where(
            Action.org_id == org.id,
            Action.source_cycle_id == cycle.id,
            Action.practice_id == practice_id,
            Action.status.in_(("planned", "in_progress")),
        )
        .limit(1)
    )
    if existing is not None:
        flash(_("This gap already has an open action; here it is."), "info")
        return redirect(url_for("actions.edit", action_id=existing.id))
    try:
        action = services.action_create_from_gap(org=org, cycle=cycle, practice_id=practice_id, by=current_user)
    except services.ActionError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(request.referrer if _safe_referrer() else url_for("actions.index"))
    db.session.commit()
    flash(
        _(
            "Action created from the %(period)s gap and prefilled from the framework. "
            "Check the owner and set a due date.",
            period=cycle.period,
        ),
        "success",
    )
    return redirect(url_for("actions.edit", action_id=action.id))


def _safe_referrer() -> bool:
    """Return True when the referrer is this site (a redirect there cannot leave the app)."""
    referrer = request.referrer or ""
    return referrer.startswith(request.host_url)


@bp.route("/<int:action_id>/edit", methods=["GET", "POST"])
@roles_required(MANAGE)
def edit(action_id: int) -> ResponseReturnValue:
    """Edit owner, due date, status (dropping needs a reason) and text; stale saves answer 409."""
    org = current_org()
    action = org_get(Action, action_id)
    form = ActionForm(obj=action if request.method == "GET" else None)
    _fill_choices(form, org.id, action)
    if request.method == "GET":
        form.version_id.data = action.version_id
        form.practice_id.data = action.practice_id or ""
    conflict = None
    if form.validate_on_submit():
        try:
            services.action_update(
                org=org,
                action=action,
                by=current_user,
                version_id=int(form.version_id.data) if form.version_id.data else None,
                title=form.title.data,
                description=form.description.data or "",
                practice_id=form.practice_id.data or None,
                touchpoint=_touchpoint_or_none(form.touchpoint_id.data),
                owner=_person_or_none(form.owner_id.data),
                due_date=form.due_date.data,
                status=form.status.data,
                drop_reason=form.drop_reason.data or "",
            )
        except services.ActionConflict as error:
            db.session.rollback()
            current = db.session.get_one(Action, action_id)  # actions are never deleted
            conflict = {"message": str(error), "theirs": current, "theirs_owner": current.owner}
            form.version_id.data = current.version_id
            return render_template(
                "actions/edit.html", form=form, action=current, conflict=conflict, status_label=status_label
            ), 409
        except services.ActionError as error:
            db.session.rollback()
            flash(str(error), "danger")
            action = db.session.get_one(Action, action_id)
        else:
            db.session.commit()
            flash(_("The action was saved."), "success")
            return redirect(url_for("actions.detail", action_id=action.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "actions/edit.html", form=form, action=action, conflict=conflict, status_label=status_label
    ), status


@bp.route("/<int:action_id>/notes", methods=["POST"])
@roles_required(EDIT_REGISTER)
def note_add(action_id: int) -> ResponseReturnValue:
    """Add a dated progress note to an action."""
    org = current_org()
    action = org_get(Action, action_id)
    form = NoteForm()
    if form.validate_on_submit():
        day = form.at.data
        at = None
        if day is not None:
            if day > date.today():
                flash(_("A progress note cannot be dated in the future."), "danger")
                return redirect(url_for("actions.detail", action_id=action.id))
            at = datetime.now(UTC) if day == date.today() else datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        try:
            services.action_note_add(org=org, action=action, by=current_user, text=form.text.data, at=at)
        except services.ActionError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Progress note added."), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
    return redirect(url_for("actions.detail", action_id=action.id))


@bp.route("/export")
@roles_required(READ)
def export() -> ResponseReturnValue:
    """Download the whole action plan as XLSX (default) or CSV (``?format=csv``), in ``?lang=``."""
    org = current_org()
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        abort(404)
    security_event("export", detail=f"action plan {fmt}", org_id=org.id)
    stamp = date.today().isoformat()
    # The export's language: ?lang=, else the organisation's (like a report).
    lang = request.args.get("lang") or None
    if fmt == "xlsx":
        data = action_plan_xlsx(org=org, lang=lang)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = action_plan_csv(org=org, lang=lang)
        mimetype = "text/csv"
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{org.slug}-action-plan-{stamp}.{fmt}"'},
    )


@bp.route("/followup/<int:cycle_id>")
@roles_required(READ)
def followup(cycle_id: int) -> ResponseReturnValue:
    """A cycle's follow-up: the actions since last quarter beside each practice's change in score."""
    org = current_org()
    cycle = org_get(Cycle, cycle_id)
    items = selectors.action_followup(org.id, cycle)

    titles = selectors.practice_titles(cycle_framework(cycle), current_language())
    return render_template(
        "actions/followup.html", cycle=cycle, items=items, titles=titles, as_of=selectors.followup_as_of(cycle)
    )
