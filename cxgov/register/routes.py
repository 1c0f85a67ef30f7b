"""Register pages: start page, lists, create/edit/deactivate, ownership matrix, person page,
health and history. Views validate, call a service, commit once, flash and redirect."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..auth.models import User
from ..extensions import db
from ..history.models import ChangeLog
from ..history.services import history_for_entity, history_for_org, jsonable
from ..nav import has_endpoint
from ..orgs.models import EDIT_REGISTER, READ, Membership
from ..tenancy import current_org, org_get, roles_required
from . import queries, services
from .blueprint import bp
from .forms import (
    ChannelForm,
    CxRoleForm,
    JourneyForm,
    MandateForm,
    PersonForm,
    PersonRemoveForm,
    TouchpointForm,
    VersionOnlyForm,
    person_options,
)
from .health import REGISTER_CHECKS, REVIEW_MAX_AGE_DAYS, health_framework, register_health
from .models import (
    CHANNEL_KINDS,
    CX_ROLE_KINDS,
    Channel,
    CxRole,
    DelegatedMandate,
    Journey,
    Person,
    Touchpoint,
    channel_kind_label,
    cx_role_label,
)


#: history entity type -> (model, list endpoint) for per-object history pages
ENTITY_KINDS: dict[str, tuple[type, str]] = {
    "person": (Person, "register.people"),
    "channel": (Channel, "register.channels"),
    "journey": (Journey, "register.journeys"),
    "touchpoint": (Touchpoint, "register.touchpoints"),
    "cx_role": (CxRole, "register.roles"),
    "delegated_mandate": (DelegatedMandate, "register.mandates"),
}

#: Field names in history and conflict tables.
FIELD_LABELS: dict[str, Any] = {
    "name": _l("Name"),
    "email": _l("E-mail"),
    "title": _l("Title"),
    "department": _l("Department"),
    "active": _l("Active"),
    "user": _l("cxgov account"),
    "kind": _l("Kind"),
    "manager": _l("Channel manager"),
    "description": _l("Description"),
    "owner": _l("Owner"),
    "journey": _l("Journey"),
    "channel": _l("Channel"),
    "stage": _l("Stage"),
    "desired_feeling": _l("Desired feeling"),
    "kpi": _l("KPI"),
    "kpi_target": _l("KPI target"),
    "hygiene_factor": _l("Hygiene factor"),
    "last_reviewed": _l("Last reviewed"),
    "person": _l("Person"),
    "role": _l("Role"),
    "since": _l("Since"),
    "until": _l("Until"),
    "note": _l("Note"),
    "holder": _l("Holder"),
    "decision": _l("Decision"),
    "limit": _l("Limit"),
}

ENTITY_LABELS: dict[str, Any] = {
    "person": _l("Person"),
    "channel": _l("Channel"),
    "journey": _l("Journey"),
    "touchpoint": _l("Touchpoint"),
    "cx_role": _l("CX role"),
    "delegated_mandate": _l("Mandate"),
    "action": _l("Action"),
}

ACTION_LABELS: dict[str, Any] = {
    "create": _l("created"),
    "update": _l("changed"),
    "deactivate": _l("deactivated"),
    "reactivate": _l("reactivated"),
    "delete": _l("deleted"),
    "import": _l("imported"),
}


@bp.app_template_global("register_field_label")
def register_field_label(name: str) -> str:
    """Return the display label of a history field."""
    return str(FIELD_LABELS.get(name, name.replace("_", " ")))


@bp.app_template_filter("register_field_label_filter")
def register_field_label_filter(name: str) -> str:
    return register_field_label(name)


@bp.app_template_global("register_entity_label")
def register_entity_label(kind: str) -> str:
    """Return the display label of a history entity type."""
    return str(ENTITY_LABELS.get(kind, kind.replace("_", " ")))


@bp.app_template_global("register_action_label")
def register_action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@bp.app_template_global("register_entity_url")
def register_entity_url(kind: str, entity_id: int) -> str | None:
    """Return the page that shows a register row (or None for kinds without one)."""
    return {
        "person": lambda: url_for("register.person", person_id=entity_id),
        "touchpoint": lambda: url_for("register.touchpoint", touchpoint_id=entity_id),
        "channel": lambda: url_for("register.touchpoints", channel=entity_id, status="all"),
        "journey": lambda: url_for("register.touchpoints", journey=entity_id, status="all"),
        "cx_role": lambda: url_for("register.entity_history", kind="cx_role", entity_id=entity_id),
        "delegated_mandate": lambda: url_for("register.entity_history", kind="delegated_mandate", entity_id=entity_id),
    }.get(kind, lambda: None)()


@bp.app_template_global("register_value")
def register_value(value: Any) -> str:
    """Return a history or conflict value for display."""
    if value is None or value == "":
        return "–"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


@bp.app_template_filter("channel_kind")
def channel_kind_filter(kind: str) -> str:
    return channel_kind_label(kind)


@bp.app_template_filter("cx_role")
def cx_role_filter(role: str) -> str:
    return cx_role_label(role)


@bp.app_template_global("sort_url")
def sort_url(column: str) -> str:
    """Return the current list URL sorted by ``column`` (toggling the direction)."""
    args = request.args.to_dict()
    desc = args.get("sort") == column and args.get("dir") != "desc"
    args.update(sort=column, dir="desc" if desc else "asc")
    args.pop("page", None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@bp.app_template_global("page_url")
def page_url(page: int) -> str:
    """Return the current list URL at ``page``."""
    args = request.args.to_dict()
    args["page"] = str(page)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _by() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _assignable_people(include: list[int | None] | None = None) -> list[Person]:
    """Return the people an owner/manager/person select offers: the active ones and the current holder.

    A posted choice is checked against every person of the organisation, so that choosing an
    inactive one is refused by the register's rule, in its words, as the import refuses it.
    """
    return queries.people_choices(current_org(), include, everyone=request.method == "POST")


def _person_or_none(person_id: int | None) -> Person | None:
    return org_get(Person, person_id) if person_id else None


def _commit_or_conflict(entity: Any) -> bool:
    """Commit; on a concurrent save (stale version at flush) roll back and return False."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True


def _conflict(template: str, entity: Any, form: Any, yours: dict[str, Any], **context: Any):
    """Answer 409: show your values beside the saved ones; the form now holds the saved version."""
    db.session.rollback()
    db.session.refresh(entity)
    theirs = services.register_state(entity)
    rows = [
        (name, yours.get(name), theirs.get(name))
        for name in theirs
        if name in yours and yours.get(name) != theirs.get(name)
    ]
    last = history_for_entity(org=current_org(), entity_type=_kind_of(entity), entity_id=entity.id, limit=1)
    form.process(formdata=None, obj=entity)  # the form now shows the saved version, with its version_id
    form.version_id.data = str(entity.version_id)
    return render_template(
        template, form=form, entity=entity, conflict={"rows": rows, "last": last[0] if last else None}, **context
    ), 409


def _kind_of(entity: Any) -> str:
    return entity.__tablename__


def _history(entity: Any, limit: int = 15) -> list[ChangeLog]:
    return history_for_entity(org=current_org(), entity_type=_kind_of(entity), entity_id=entity.id, limit=limit)


def _list_params(sorts: tuple[str, ...], filters: tuple[str, ...], default_sort: str = "name"):
    return queries.ListParams.from_args(request.args, sorts, filters, default_sort)


def _toggle(entity: Any, fn: Callable[..., Any], done: str, redirect_to: str):
    """Run a deactivate/reactivate service from a post button with the version it was shown with."""
    form = VersionOnlyForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "warning")
        return redirect(redirect_to)
    try:
        fn(by=_by(), version_id=form.version())
    except (services.ConflictError, StaleDataError):
        db.session.rollback()
        flash(_("Someone else changed this record meanwhile; nothing was changed. Check it and try again."), "danger")
        return redirect(redirect_to)
    except services.RegisterError as error:
        db.session.rollback()
        flash(str(error), "warning")
        return redirect(redirect_to)
    if not _commit_or_conflict(entity):
        flash(_("Someone else changed this record meanwhile; nothing was changed."), "danger")
        return redirect(redirect_to)
    flash(done, "success")
    return redirect(redirect_to)


# --- start, health, matrix, history -------------------------------------------------------


@bp.route("/")
@roles_required(READ)
def index() -> ResponseReturnValue:
    """The register start page: counts per table, the health score, and where to go."""
    org = current_org()
    report = register_health(org)
    return render_template(
        "register/index.html",
        counts=services.register_counts(org),
        report=report,
        check_titles=_check_titles(),
        recent=history_for_org(org=org, limit=8),
    )


def _check_titles() -> dict[str, str]:
    return {key: _(title) for key, title in REGISTER_CHECKS.items()}


@bp.route("/health")
@roles_required(READ)
def health() -> ResponseReturnValue:
    """Every health check with its status, offending rows (linked) and the 0-100 score."""
    org = current_org()
    report = register_health(org)
    return render_template(
        "register/health.html",
        report=report,
        check_titles=_check_titles(),
        framework_ref=_framework_ref(org),
        today=date.today(),
    )


def _framework_ref(org) -> tuple[str, str] | None:
    """Return (key, version) of the framework the checks name practices of, for practice links."""
    if not has_endpoint("framework.practice"):
        return None
    try:
        framework = health_framework(org)
    except Exception:  # the catalogue is another feature's; a broken one must not break this page
        return None
    return (framework.key, framework.version) if framework else None


@bp.route("/matrix")
@roles_required(READ)
def matrix() -> ResponseReturnValue:
    """Journeys x channels; each cell lists its touchpoints and their owners, unowned highlighted."""
    return render_template("register/matrix.html", matrix=queries.ownership_matrix(current_org()))


@bp.route("/history")
@roles_required(READ)
def history() -> ResponseReturnValue:
    """The organisation's change history, newest first, 100 a page."""
    org = current_org()
    kind = request.args.get("kind") or None
    if kind and kind not in ENTITY_LABELS:
        kind = None
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    entries = history_for_org(org=org, entity_type=kind, offset=(page - 1) * 100, limit=101)
    return render_template(
        "register/history.html",
        entries=entries[:100],
        has_more=len(entries) > 100,
        page=page,
        kind=kind,
        kinds=ENTITY_LABELS,
        entity=None,
    )


@bp.route("/history/<kind>/<int:entity_id>")
@roles_required(READ)
def entity_history(kind: str, entity_id: int) -> ResponseReturnValue:
    """The full change history of one register row."""
    if kind not in ENTITY_KINDS:
        abort(404)
    entity = org_get(ENTITY_KINDS[kind][0], entity_id)
    entries = history_for_entity(org=current_org(), entity_type=kind, entity_id=entity_id, limit=1000)
    return render_template(
        "register/history.html",
        entries=entries,
        has_more=False,
        page=1,
        kind=kind,
        kinds=ENTITY_LABELS,
        entity=entity,
        entity_kind=kind,
    )


# --- touchpoints --------------------------------------------------------------------------


@bp.route("/touchpoints")
@roles_required(READ)
def touchpoints() -> ResponseReturnValue:
    """List touchpoints: search, filter by journey/channel/owner/stage/review, sort, 100 a page."""
    org = current_org()
    params = _list_params(queries.TOUCHPOINT_SORTS, queries.TOUCHPOINT_FILTERS)
    return render_template(
        "register/touchpoints.html",
        page=queries.touchpoints_page(org, params),
        params=params,
        journeys=queries.journeys_all(org),
        channels=queries.channels_all(org),
        people=queries.people_choices(org),
        stages=queries.stages_used(org),
        stale_before=date.today() - timedelta(days=REVIEW_MAX_AGE_DAYS),
    )


def _touchpoint_form(form: TouchpointForm, touchpoint: Touchpoint | None) -> TouchpointForm:
    org = current_org()
    journeys = [j for j in queries.journeys_all(org) if j.active or (touchpoint and j.id == touchpoint.journey_id)]
    channels = [c for c in queries.channels_all(org) if c.active or (touchpoint and c.id == touchpoint.channel_id)]
    form.journey_id.choices = [(j.id, j.name) for j in journeys]
    form.channel_id.choices = [(c.id, c.name) for c in channels]
    form.owner_id.choices = person_options(
        _assignable_people([touchpoint.owner_id] if touchpoint else None), _l("— nobody (unowned) —")
    )
    return form


def _touchpoint_values(form: TouchpointForm) -> dict[str, Any]:
    return {
        "journey": org_get(Journey, form.journey_id.data),
        "channel": org_get(Channel, form.channel_id.data),
        "name": form.name.data,
        "stage": form.stage.data or "",
        "owner": _person_or_none(form.owner_id.data),
        "desired_feeling": form.desired_feeling.data or "",
        "kpi": form.kpi.data or "",
        "kpi_target": form.kpi_target.data or "",
        "hygiene_factor": form.hygiene_factor.data,
        "last_reviewed": form.last_reviewed.data,
    }


def _state_of_values(values: dict[str, Any]) -> dict[str, Any]:
    """Return form values in the shape of services.register_state (for the conflict table)."""
    out = {}
    for name, value in values.items():
        if isinstance(value, Person) or (value is None and name in ("owner", "manager", "person")):
            out[name] = services.person_ref(value)
        elif isinstance(value, (Journey, Channel)):
            out[name] = value.name
        elif isinstance(value, str):
            out[name] = value.strip()
        else:
            out[name] = jsonable(value)
    return out


@bp.route("/touchpoints/new", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def touchpoint_new() -> ResponseReturnValue:
    """Add a touchpoint."""
    form = _touchpoint_form(TouchpointForm(), None)
    if request.method == "GET":
        form.journey_id.data = request.args.get("journey", type=int)
        form.channel_id.data = request.args.get("channel", type=int)
    if form.validate_on_submit():
        try:
            touchpoint = services.touchpoint_create(org=current_org(), by=_by(), **_touchpoint_values(form))
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Touchpoint “%(name)s” added.", name=touchpoint.name), "success")
            return redirect(url_for("register.touchpoint", touchpoint_id=touchpoint.id))
    return render_template(
        "register/form.html",
        form=form,
        entity=None,
        kind="touchpoint",
        heading=_("New touchpoint"),
        cancel=url_for("register.touchpoints"),
    )


@bp.route("/touchpoints/<int:touchpoint_id>")
@roles_required(READ)
def touchpoint(touchpoint_id: int) -> ResponseReturnValue:
    """One touchpoint: its fields and its history."""
    tp = org_get(Touchpoint, touchpoint_id)
    return render_template("register/touchpoint.html", tp=tp, history=_history(tp), toggle=VersionOnlyForm())


@bp.route("/touchpoints/<int:touchpoint_id>/edit", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def touchpoint_edit(touchpoint_id: int) -> ResponseReturnValue:
    """Edit a touchpoint; a stale save is refused with both versions shown (409)."""
    tp = org_get(Touchpoint, touchpoint_id)
    form = _touchpoint_form(TouchpointForm(obj=tp), tp)
    if request.method == "GET":
        form.version_id.data = str(tp.version_id)
    context = dict(
        kind="touchpoint",
        heading=_("Edit touchpoint: %(name)s", name=tp.name),
        cancel=url_for("register.touchpoint", touchpoint_id=tp.id),
        history=_history(tp, 5),
    )
    if form.validate_on_submit():
        values = _touchpoint_values(form)
        try:
            services.touchpoint_update(touchpoint=tp, by=_by(), version_id=form.version(), **values)
        except (services.ConflictError, StaleDataError):
            return _conflict("register/form.html", tp, form, _state_of_values(values), **context)
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if not _commit_or_conflict(tp):
                return _conflict("register/form.html", tp, form, _state_of_values(values), **context)
            flash(_("Touchpoint saved."), "success")
            return redirect(url_for("register.touchpoint", touchpoint_id=tp.id))
    return render_template("register/form.html", form=form, entity=tp, **context)


@bp.route("/touchpoints/<int:touchpoint_id>/deactivate", methods=["POST"])
@roles_required(EDIT_REGISTER)
def touchpoint_deactivate(touchpoint_id: int) -> ResponseReturnValue:
    """Deactivate a touchpoint."""
    tp = org_get(Touchpoint, touchpoint_id)
    return _toggle(
        tp,
        lambda **kw: services.touchpoint_deactivate(touchpoint=tp, **kw),
        _("Touchpoint deactivated."),
        url_for("register.touchpoint", touchpoint_id=tp.id),
    )


@bp.route("/touchpoints/<int:touchpoint_id>/reactivate", methods=["POST"])
@roles_required(EDIT_REGISTER)
def touchpoint_reactivate(touchpoint_id: int) -> ResponseReturnValue:
    """Reactivate a touchpoint."""
    tp = org_get(Touchpoint, touchpoint_id)
    return _toggle(
        tp,
        lambda **kw: services.touchpoint_reactivate(touchpoint=tp, **kw),
        _("Touchpoint reactivated."),
        url_for("register.touchpoint", touchpoint_id=tp.id),
    )


# --- people -------------------------------------------------------------------------------


@bp.route("/people")
@roles_required(READ)
def people() -> ResponseReturnValue:
    """List people: search, filter by department or "owns something", sort, 100 a page."""
    org = current_org()
    params = _list_params(queries.PERSON_SORTS, queries.PERSON_FILTERS)
    return render_template(
        "register/people.html",
        page=queries.people_page(org, params),
        params=params,
        departments=queries.departments(org),
    )


def _person_form(form: PersonForm) -> PersonForm:
    org = current_org()
    members = db.session.scalars(
        select(User).join(Membership).where(Membership.org_id == org.id).order_by(User.name)
    ).all()
    form.user_id.choices = [("", _("— no account —"))] + [(u.id, f"{u.name} <{u.email}>") for u in members]
    return form


def _person_user(user_id: int | None) -> User | None:
    if not user_id:
        return None
    user = db.session.scalar(
        select(User).join(Membership).where(Membership.org_id == current_org().id, User.id == user_id)
    )
    if user is None:
        abort(404)
    return user


def _person_values(form: PersonForm) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "email": form.email.data or None,
        "title": form.title.data or "",
        "department": form.department.data or "",
        "user": _person_user(form.user_id.data),
    }


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def person_new() -> ResponseReturnValue:
    """Add a person."""
    form = _person_form(PersonForm())
    if form.validate_on_submit():
        try:
            person = services.person_create(org=current_org(), by=_by(), **_person_values(form))
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("%(name)s added.", name=person.name), "success")
            return redirect(url_for("register.person", person_id=person.id))
    return render_template(
        "register/form.html",
        form=form,
        entity=None,
        kind="person",
        heading=_("New person"),
        cancel=url_for("register.people"),
    )


@bp.route("/people/<int:person_id>")
@roles_required(READ)
def person(person_id: int) -> ResponseReturnValue:
    """Everything one person owns, their CX roles, and recent history."""
    p = org_get(Person, person_id)
    return render_template(
        "register/person.html",
        person=p,
        owned=queries.person_owned(p),
        roles=queries.person_roles(p),
        history=_history(p),
        toggle=VersionOnlyForm(),
        today=date.today(),
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def person_edit(person_id: int) -> ResponseReturnValue:
    """Edit a person; a stale save is refused with both versions shown (409)."""
    p = org_get(Person, person_id)
    form = _person_form(PersonForm(obj=p))
    if request.method == "GET":
        form.version_id.data = str(p.version_id)
    context = dict(
        kind="person",
        heading=_("Edit %(name)s", name=p.name),
        cancel=url_for("register.person", person_id=p.id),
        history=_history(p, 5),
    )
    if form.validate_on_submit():
        values = _person_values(form)
        yours = {
            **_state_of_values({k: v for k, v in values.items() if k != "user"}),
            "email": (values["email"] or "").strip().lower() or None,
            "user": values["user"].email if values["user"] else None,
        }
        try:
            services.person_update(person=p, by=_by(), version_id=form.version(), **values)
        except (services.ConflictError, StaleDataError):
            return _conflict("register/form.html", p, form, yours, **context)
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if not _commit_or_conflict(p):
                return _conflict("register/form.html", p, form, yours, **context)
            flash(_("Saved."), "success")
            return redirect(url_for("register.person", person_id=p.id))
    return render_template("register/form.html", form=form, entity=p, **context)


@bp.route("/people/<int:person_id>/remove", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def person_remove(person_id: int) -> ResponseReturnValue:
    """Deactivate a person, asking first where their ownership goes (reassign or leave unowned)."""
    p = org_get(Person, person_id)
    holdings = services.person_holdings(p)
    if not p.active and not any(holdings.values()):
        flash(_("%(name)s is already inactive and owns nothing.", name=p.name), "info")
        return redirect(url_for("register.person", person_id=p.id))
    form = PersonRemoveForm()
    form.reassign_to.choices = person_options(
        [x for x in queries.people_choices(current_org()) if x.id != p.id], _l("— choose a person —")
    )
    if request.method == "GET":
        form.version_id.data = str(p.version_id)
    if form.validate_on_submit():
        target = _person_or_none(form.reassign_to.data) if form.ownership.data == "reassign" else None
        try:
            counts = services.person_remove(person=p, reassign_to=target, by=_by(), version_id=form.version())
        except (services.ConflictError, StaleDataError):
            db.session.rollback()
            flash(
                _("Someone changed %(name)s meanwhile; check what they own now and confirm again.", name=p.name),
                "danger",
            )
            return redirect(url_for("register.person_remove", person_id=p.id))
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if not _commit_or_conflict(p):
                flash(_("Someone changed this meanwhile; nothing was changed."), "danger")
                return redirect(url_for("register.person_remove", person_id=p.id))
            moved = counts["touchpoints"] + counts["journeys"] + counts["channels"]
            if target is not None:
                flash(
                    _(
                        "%(name)s is inactive; %(items)s went to %(target)s and %(roles)s ended.",
                        name=p.name,
                        items=ngettext("%(num)d item", "%(num)d items", moved),
                        target=target.name,
                        roles=ngettext("%(num)d CX role", "%(num)d CX roles", counts["roles"]),
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "%(name)s is inactive; unowned now: %(items)s; ended: %(roles)s.",
                        name=p.name,
                        items=ngettext("%(num)d item", "%(num)d items", moved),
                        roles=ngettext("%(num)d CX role", "%(num)d CX roles", counts["roles"]),
                    ),
                    "success",
                )
            return redirect(url_for("register.person", person_id=p.id))
    return render_template("register/person_remove.html", person=p, holdings=holdings, form=form)


@bp.route("/people/<int:person_id>/reactivate", methods=["POST"])
@roles_required(EDIT_REGISTER)
def person_reactivate(person_id: int) -> ResponseReturnValue:
    """Make an inactive person active again."""
    p = org_get(Person, person_id)
    return _toggle(
        p,
        lambda **kw: services.person_reactivate(person=p, **kw),
        _("%(name)s is active again.", name=p.name),
        url_for("register.person", person_id=p.id),
    )


# --- channels and journeys ----------------------------------------------------------------


@bp.route("/channels")
@roles_required(READ)
def channels() -> ResponseReturnValue:
    """List channels with their managers and touchpoint counts."""
    org = current_org()
    params = _list_params(queries.CHANNEL_SORTS, queries.CHANNEL_FILTERS)
    return render_template(
        "register/channels.html",
        page=queries.channels_page(org, params),
        params=params,
        people=queries.people_choices(org),
        kinds=CHANNEL_KINDS,
        toggle=VersionOnlyForm(),
    )


def _channel_form(form: ChannelForm, channel: Channel | None) -> ChannelForm:
    form.manager_id.choices = person_options(
        _assignable_people([channel.manager_id] if channel else None), _l("— nobody —")
    )
    return form


def _channel_values(form: ChannelForm) -> dict[str, Any]:
    return {"name": form.name.data, "kind": form.kind.data, "manager": _person_or_none(form.manager_id.data)}


@bp.route("/channels/new", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def channel_new() -> ResponseReturnValue:
    """Add a channel."""
    form = _channel_form(ChannelForm(), None)
    if request.method == "GET" and request.args.get("kind") in CHANNEL_KINDS:
        form.kind.data = request.args["kind"]  # the health check's "fix" link asks for a complaints channel
    if form.validate_on_submit():
        try:
            channel = services.channel_create(org=current_org(), by=_by(), **_channel_values(form))
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Channel “%(name)s” added.", name=channel.name), "success")
            return redirect(url_for("register.channels"))
    return render_template(
        "register/form.html",
        form=form,
        entity=None,
        kind="channel",
        heading=_("New channel"),
        cancel=url_for("register.channels"),
    )


@bp.route("/channels/<int:channel_id>/edit", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def channel_edit(channel_id: int) -> ResponseReturnValue:
    """Edit a channel; a stale save is refused with both versions shown (409)."""
    channel = org_get(Channel, channel_id)
    form = _channel_form(ChannelForm(obj=channel), channel)
    if request.method == "GET":
        form.version_id.data = str(channel.version_id)
    context = dict(
        kind="channel",
        heading=_("Edit channel: %(name)s", name=channel.name),
        cancel=url_for("register.channels"),
        history=_history(channel, 5),
        toggle=VersionOnlyForm(),
    )
    if form.validate_on_submit():
        values = _channel_values(form)
        try:
            services.channel_update(channel=channel, by=_by(), version_id=form.version(), **values)
        except (services.ConflictError, StaleDataError):
            return _conflict("register/form.html", channel, form, _state_of_values(values), **context)
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if not _commit_or_conflict(channel):
                return _conflict("register/form.html", channel, form, _state_of_values(values), **context)
            flash(_("Channel saved."), "success")
            return redirect(url_for("register.channels"))
    return render_template("register/form.html", form=form, entity=channel, **context)


@bp.route("/channels/<int:channel_id>/deactivate", methods=["POST"])
@roles_required(EDIT_REGISTER)
def channel_deactivate(channel_id: int) -> ResponseReturnValue:
    """Deactivate a channel."""
    channel = org_get(Channel, channel_id)
    return _toggle(
        channel,
        lambda **kw: services.channel_deactivate(channel=channel, **kw),
        _("Channel deactivated."),
        url_for("register.channels"),
    )


@bp.route("/channels/<int:channel_id>/reactivate", methods=["POST"])
@roles_required(EDIT_REGISTER)
def channel_reactivate(channel_id: int) -> ResponseReturnValue:
    """Reactivate a channel."""
    channel = org_get(Channel, channel_id)
    return _toggle(
        channel,
        lambda **kw: services.channel_reactivate(channel=channel, **kw),
        _("Channel reactivated."),
        url_for("register.channels", status="all"),
    )


@bp.route("/journeys")
@roles_required(READ)
def journeys() -> ResponseReturnValue:
    """List journeys with their owners and touchpoint counts."""
    org = current_org()
    params = _list_params(queries.JOURNEY_SORTS, queries.JOURNEY_FILTERS)
    return render_template(
        "register/journeys.html",
        page=queries.journeys_page(org, params),
        params=params,
        people=queries.people_choices(org),
        toggle=VersionOnlyForm(),
    )


def _journey_form(form: JourneyForm, journey: Journey | None) -> JourneyForm:
    form.owner_id.choices = person_options(
        _assignable_people([journey.owner_id] if journey else None), _l("— nobody —")
    )
    return form


def _journey_values(form: JourneyForm) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "description": form.description.data or "",
        "owner": _person_or_none(form.owner_id.data),
    }


@bp.route("/journeys/new", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def journey_new() -> ResponseReturnValue:
    """Add a journey."""
    form = _journey_form(JourneyForm(), None)
    if form.validate_on_submit():
        try:
            journey = services.journey_create(org=current_org(), by=_by(), **_journey_values(form))
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Journey “%(name)s” added.", name=journey.name), "success")
            return redirect(url_for("register.journeys"))
    return render_template(
        "register/form.html",
        form=form,
        entity=None,
        kind="journey",
        heading=_("New journey"),
        cancel=url_for("register.journeys"),
    )


@bp.route("/journeys/<int:journey_id>/edit", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def journey_edit(journey_id: int) -> ResponseReturnValue:
    """Edit a journey; a stale save is refused with both versions shown (409)."""
    journey = org_get(Journey, journey_id)
    form = _journey_form(JourneyForm(obj=journey), journey)
    if request.method == "GET":
        form.version_id.data = str(journey.version_id)
    context = dict(
        kind="journey",
        heading=_("Edit journey: %(name)s", name=journey.name),
        cancel=url_for("register.journeys"),
        history=_history(journey, 5),
        toggle=VersionOnlyForm(),
    )
    if form.validate_on_submit():
        values = _journey_values(form)
        try:
            services.journey_update(journey=journey, by=_by(), version_id=form.version(), **values)
        except (services.ConflictError, StaleDataError):
            return _conflict("register/form.html", journey, form, _state_of_values(values), **context)
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if not _commit_or_conflict(journey):
                return _conflict("register/form.html", journey, form, _state_of_values(values), **context)
            flash(_("Journey saved."), "success")
            return redirect(url_for("register.journeys"))
    return render_template("register/form.html", form=form, entity=journey, **context)


@bp.route("/journeys/<int:journey_id>/deactivate", methods=["POST"])
@roles_required(EDIT_REGISTER)
def journey_deactivate(journey_id: int) -> ResponseReturnValue:
    """Deactivate a journey."""
    journey = org_get(Journey, journey_id)
    return _toggle(
        journey,
        lambda **kw: services.journey_deactivate(journey=journey, **kw),
        _("Journey deactivated."),
        url_for("register.journeys"),
    )


@bp.route("/journeys/<int:journey_id>/reactivate", methods=["POST"])
@roles_required(EDIT_REGISTER)
def journey_reactivate(journey_id: int) -> ResponseReturnValue:
    """Reactivate a journey."""
    journey = org_get(Journey, journey_id)
    return _toggle(
        journey,
        lambda **kw: services.journey_reactivate(journey=journey, **kw),
        _("Journey reactivated."),
        url_for("register.journeys", status="all"),
    )


# --- CX roles -----------------------------------------------------------------------------


@bp.route("/roles")
@roles_required(READ)
def roles() -> ResponseReturnValue:
    """List CX roles (held today by default), filter by kind and person, sort."""
    org = current_org()
    params = _list_params(queries.ROLE_SORTS, queries.ROLE_FILTERS, default_sort="role")
    return render_template(
        "register/roles.html",
        page=queries.roles_page(org, params),
        params=params,
        people=queries.people_choices(org),
        kinds=CX_ROLE_KINDS,
        toggle=VersionOnlyForm(),
        today=date.today(),
    )


def _role_form(form: CxRoleForm, cx_role: CxRole | None) -> CxRoleForm:
    people_list = _assignable_people([cx_role.person_id] if cx_role else None)
    form.person_id.choices = [(p.id, p.name + (f" – {p.title}" if p.title else "")) for p in people_list]
    return form


def _role_values(form: CxRoleForm) -> dict[str, Any]:
    return {
        "person": org_get(Person, form.person_id.data),
        "role": form.role.data,
        "since": form.since.data,
        "until": form.until.data,
        "note": form.note.data or "",
    }


@bp.route("/roles/new", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def role_new() -> ResponseReturnValue:
    """Give a person a CX role."""
    form = _role_form(CxRoleForm(), None)
    if request.method == "GET":
        form.since.data = date.today()
        form.person_id.data = request.args.get("person", type=int)
        if request.args.get("role") in CX_ROLE_KINDS:
            form.role.data = request.args["role"]
    if form.validate_on_submit():
        try:
            cx_role = services.cx_role_create(org=current_org(), by=_by(), **_role_values(form))
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("%(person)s is %(role)s.", person=cx_role.person.name, role=cx_role_label(cx_role.role)), "success")
            return redirect(url_for("register.roles"))
    return render_template(
        "register/form.html",
        form=form,
        entity=None,
        kind="cx_role",
        heading=_("New CX role"),
        cancel=url_for("register.roles"),
    )


@bp.route("/roles/<int:role_id>/edit", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def role_edit(role_id: int) -> ResponseReturnValue:
    """Edit a CX role; a stale save is refused with both versions shown (409)."""
    cx_role = org_get(CxRole, role_id)
    form = _role_form(CxRoleForm(obj=cx_role), cx_role)
    if request.method == "GET":
        form.version_id.data = str(cx_role.version_id)
    context = dict(
        kind="cx_role",
        heading=_("Edit CX role"),
        cancel=url_for("register.roles"),
        history=_history(cx_role, 5),
        toggle=VersionOnlyForm(),
    )
    if form.validate_on_submit():
        values = _role_values(form)
        try:
            services.cx_role_update(cx_role=cx_role, by=_by(), version_id=form.version(), **values)
        except (services.ConflictError, StaleDataError):
            return _conflict("register/form.html", cx_role, form, _state_of_values(values), **context)
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if not _commit_or_conflict(cx_role):
                return _conflict("register/form.html", cx_role, form, _state_of_values(values), **context)
            flash(_("CX role saved."), "success")
            return redirect(url_for("register.roles"))
    return render_template("register/form.html", form=form, entity=cx_role, **context)


@bp.route("/roles/<int:role_id>/end", methods=["POST"])
@roles_required(EDIT_REGISTER)
def role_end(role_id: int) -> ResponseReturnValue:
    """End a CX role (its last day becomes yesterday)."""
    cx_role = org_get(CxRole, role_id)
    return _toggle(
        cx_role,
        lambda **kw: services.cx_role_end(cx_role=cx_role, **kw),
        _("CX role ended."),
        url_for("register.roles"),
    )


@bp.route("/roles/<int:role_id>/reactivate", methods=["POST"])
@roles_required(EDIT_REGISTER)
def role_reactivate(role_id: int) -> ResponseReturnValue:
    """Reopen an ended CX role."""
    cx_role = org_get(CxRole, role_id)
    return _toggle(
        cx_role,
        lambda **kw: services.cx_role_reactivate(cx_role=cx_role, **kw),
        _("CX role reopened."),
        url_for("register.roles"),
    )


# --- delegated mandates -------------------------------------------------------------------


@bp.route("/mandates")
@roles_required(READ)
def mandates() -> ResponseReturnValue:
    """List delegated mandates, filter by channel, sort."""
    org = current_org()
    params = _list_params(queries.MANDATE_SORTS, queries.MANDATE_FILTERS, default_sort="holder")
    return render_template(
        "register/mandates.html",
        page=queries.mandates_page(org, params),
        params=params,
        channels=queries.channels_all(org),
        toggle=VersionOnlyForm(),
    )


def _mandate_form(form: MandateForm, mandate: DelegatedMandate | None) -> MandateForm:
    channels_list = [
        c for c in queries.channels_all(current_org()) if c.active or (mandate and c.id == mandate.channel_id)
    ]
    form.channel_id.choices = [("", _("— every channel —"))] + [(c.id, c.name) for c in channels_list]
    return form


def _mandate_values(form: MandateForm) -> dict[str, Any]:
    return {
        "holder": form.holder.data,
        "decision": form.decision.data,
        "limit": form.limit.data or "",
        "channel": org_get(Channel, form.channel_id.data) if form.channel_id.data else None,
    }


@bp.route("/mandates/new", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def mandate_new() -> ResponseReturnValue:
    """Define a delegated mandate."""
    form = _mandate_form(MandateForm(), None)
    if form.validate_on_submit():
        try:
            services.mandate_create(org=current_org(), by=_by(), **_mandate_values(form))
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Mandate added."), "success")
            return redirect(url_for("register.mandates"))
    return render_template(
        "register/form.html",
        form=form,
        entity=None,
        kind="delegated_mandate",
        heading=_("New delegated mandate"),
        cancel=url_for("register.mandates"),
    )


@bp.route("/mandates/<int:mandate_id>/edit", methods=["GET", "POST"])
@roles_required(EDIT_REGISTER)
def mandate_edit(mandate_id: int) -> ResponseReturnValue:
    """Edit a delegated mandate; a stale save is refused with both versions shown (409)."""
    mandate = org_get(DelegatedMandate, mandate_id)
    form = _mandate_form(MandateForm(obj=mandate), mandate)
    if request.method == "GET":
        form.version_id.data = str(mandate.version_id)
    context = dict(
        kind="delegated_mandate",
        heading=_("Edit delegated mandate"),
        cancel=url_for("register.mandates"),
        history=_history(mandate, 5),
        toggle=VersionOnlyForm(),
    )
    if form.validate_on_submit():
        values = _mandate_values(form)
        try:
            services.mandate_update(mandate=mandate, by=_by(), version_id=form.version(), **values)
        except (services.ConflictError, StaleDataError):
            return _conflict("register/form.html", mandate, form, _state_of_values(values), **context)
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if not _commit_or_conflict(mandate):
                return _conflict("register/form.html", mandate, form, _state_of_values(values), **context)
            flash(_("Mandate saved."), "success")
            return redirect(url_for("register.mandates"))
    return render_template("register/form.html", form=form, entity=mandate, **context)


@bp.route("/mandates/<int:mandate_id>/deactivate", methods=["POST"])
@roles_required(EDIT_REGISTER)
def mandate_deactivate(mandate_id: int) -> ResponseReturnValue:
    """Withdraw a delegated mandate."""
    mandate = org_get(DelegatedMandate, mandate_id)
    return _toggle(
        mandate,
        lambda **kw: services.mandate_deactivate(mandate=mandate, **kw),
        _("Mandate withdrawn."),
        url_for("register.mandates"),
    )


@bp.route("/mandates/<int:mandate_id>/reactivate", methods=["POST"])
@roles_required(EDIT_REGISTER)
def mandate_reactivate(mandate_id: int) -> ResponseReturnValue:
    """Reinstate a delegated mandate."""
    mandate = org_get(DelegatedMandate, mandate_id)
    return _toggle(
        mandate,
        lambda **kw: services.mandate_reactivate(mandate=mandate, **kw),
        _("Mandate reinstated."),
        url_for("register.mandates", status="all"),
    )
