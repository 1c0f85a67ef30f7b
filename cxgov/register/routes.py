"""Register pages: start page, the six tables' pages, ownership matrix, person and touchpoint
pages, person removal, health and history.

The tables' list/new/edit/deactivate/reactivate pages are one generic view set
(:mod:`cxgov.register.table_views`), registered here once per table with its texts and the
few hooks where a table differs. Views validate, call a service, commit once, flash and redirect.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm.exc import StaleDataError

from ..auth.models import User
from ..extensions import db
from ..history.services import history_for_entity, history_for_org
from ..messages import N_
from ..nav import has_endpoint
from ..orgs.models import EDIT_REGISTER, MANAGE, READ, Organisation
from ..tenancy import current_org, org_get, roles_required
from . import queries, services
from .blueprint import bp
from .forms import PersonRemoveForm, VersionedForm, VersionOnlyForm, person_options
from .health import REGISTER_CHECKS, health_framework, register_health
from .models import Channel, CxRole, DelegatedMandate, Journey, Person, Touchpoint, channel_kind_label, cx_role_label
from .table_views import TableView, committed, editor, row_history, table_views_register
from .tables import TABLE_BY_KEY, TABLES

#: history entity type -> the model of its rows, for per-row history pages
ENTITY_KINDS: dict[str, type[Person | Channel | Journey | Touchpoint | CxRole | DelegatedMandate]] = {
    "person": Person,
    "channel": Channel,
    "journey": Journey,
    "touchpoint": Touchpoint,
    "cx_role": CxRole,
    "delegated_mandate": DelegatedMandate,
}

#: history entity type -> its declared table, whose field labels history and conflict tables show
ENTITY_TABLES: dict[str, str] = {
    "person": "people",
    "channel": "channels",
    "journey": "journeys",
    "touchpoint": "touchpoints",
    "cx_role": "cx_roles",
    "delegated_mandate": "mandates",
}

#: Field names in history without a known table: the declared labels (the first table's wins
#: where two tables share a name), plus a person's cxgov account.
FIELD_LABELS: dict[str, Any] = {"user": _l("cxgov account")}
for _table in TABLES:
    for _field in _table.fields:
        FIELD_LABELS.setdefault(_field.name, _field.label)

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
def register_field_label(name: str, kind: str | None = None) -> str:
    """Return the display label of a history field, as declared for the row's table (``kind``)."""
    table = TABLE_BY_KEY.get(ENTITY_TABLES.get(kind or "", ""))
    declared = next((f for f in table.fields if f.name == name), None) if table else None
    if declared is not None:
        return str(declared.label)
    return str(FIELD_LABELS.get(name, name.replace("_", " ")))


@bp.app_template_filter("register_field_label_filter")
def register_field_label_filter(name: str, kind: str | None = None) -> str:
    return register_field_label(name, kind)


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
    if kind == "person":
        return url_for("register.person", person_id=entity_id)
    if kind == "touchpoint":
        return url_for("register.touchpoint", touchpoint_id=entity_id)
    if kind == "channel":
        return url_for("register.touchpoints", channel=entity_id, status="all")
    if kind == "journey":
        return url_for("register.touchpoints", journey=entity_id, status="all")
    if kind in ("cx_role", "delegated_mandate"):
        return url_for("register.entity_history", kind=kind, entity_id=entity_id)
    return None


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
    args: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    desc = args.get("sort") == column and args.get("dir") != "desc"
    args.update(sort=column, dir="desc" if desc else "asc")
    args.pop("page", None)
    return url_for(str(request.endpoint), **args)


@bp.app_template_global("page_url")
def page_url(page: int) -> str:
    """Return the current list URL at ``page``."""
    args: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(), "page": str(page)}
    return url_for(str(request.endpoint), **args)


# --- the six tables -----------------------------------------------------------------------


def _person_account(form: VersionedForm) -> dict[str, Any]:
    """Return the cxgov account a person form links.

    Whether it may be linked (a member of this organisation, no other person linked to it) is
    the register's rule, checked by its write path for every writer and refused in its words.
    """
    user_id = form["user_id"].data
    if not user_id:
        return {"user": None}
    return {"user": db.session.get(User, user_id) or user_id}


def _may_manage() -> bool:
    membership = getattr(g, "membership", None)
    return membership is not None and membership.role in MANAGE and has_endpoint("onboarding.sponsor_to_register")


TABLE_VIEWS: tuple[TableView, ...] = (
    TableView(
        "touchpoints",
        Touchpoint,
        noun="touchpoint",
        plural="touchpoints",
        title=N_("Touchpoints"),
        lead=N_("Where customers meet the organisation, who owns each moment, and how it should feel."),
        new=N_("New touchpoint"),
        edit=N_("Edit touchpoint: %(name)s"),
        added=lambda row: _("Touchpoint “%(name)s” added.", name=row.name),
        saved=lambda row: _("Touchpoint saved."),
        empty=N_("No touchpoints match."),
        deactivated=lambda row: _("Touchpoint deactivated."),
        reactivated=lambda row: _("Touchpoint reactivated."),
        page=lambda row: url_for("register.touchpoint", touchpoint_id=row.id),
    ),
    TableView(
        "people",
        Person,
        noun="person",
        plural="people",
        title=N_("People"),
        lead=N_(
            "Everyone who owns journeys, channels or touchpoints, or holds a CX role. "
            "They need not have a cxgov account."
        ),
        new=N_("New person"),
        edit=N_("Edit %(name)s"),
        added=lambda row: _("%(name)s added.", name=row.name),
        saved=lambda row: _("Saved."),
        empty=N_("No people match."),
        deactivate_label=N_("Deactivate…"),
        deactivated=lambda row: "",
        reactivated=lambda row: _("%(name)s is active again.", name=row.name),
        page=lambda row: url_for("register.person", person_id=row.id),
        remove=lambda row: url_for("register.person_remove", person_id=row.id),
        extra_values=_person_account,
    ),
    TableView(
        "channels",
        Channel,
        noun="channel",
        plural="channels",
        title=N_("Channels"),
        lead=N_("The ways customers reach the organisation, each with a channel manager."),
        new=N_("New channel"),
        edit=N_("Edit channel: %(name)s"),
        added=lambda row: _("Channel “%(name)s” added.", name=row.name),
        saved=lambda row: _("Channel saved."),
        empty=N_("No channels match."),
        deactivated=lambda row: _("Channel deactivated."),
        reactivated=lambda row: _("Channel reactivated."),
    ),
    TableView(
        "journeys",
        Journey,
        noun="journey",
        plural="journeys",
        title=N_("Journeys"),
        lead=N_("Customer journeys, each owned end to end by one person."),
        new=N_("New journey"),
        edit=N_("Edit journey: %(name)s"),
        added=lambda row: _("Journey “%(name)s” added.", name=row.name),
        saved=lambda row: _("Journey saved."),
        empty=N_("No journeys match."),
        deactivated=lambda row: _("Journey deactivated."),
        reactivated=lambda row: _("Journey reactivated."),
    ),
    TableView(
        "cx_roles",
        CxRole,
        noun="role",
        plural="roles",
        title=N_("CX roles"),
        lead=N_("Sponsor, ambassadors, customer board, insight manager, CX team and the omnichannel lead, over time."),
        new=N_("New CX role"),
        edit=N_("Edit CX role"),
        added=lambda row: _("%(person)s is %(role)s.", person=row.person.name, role=cx_role_label(row.role)),
        saved=lambda row: _("CX role saved."),
        empty=N_("No CX roles match."),
        deactivate_label=N_("End"),
        reactivate_label=N_("Reopen"),
        deactivated=lambda row: _("CX role ended."),
        reactivated=lambda row: _("CX role reopened."),
        deactivate_verb="end",
        above_list=("onboarding/_sponsor_views.html", _may_manage),
        name_of=lambda row: f"{row.person.name}: {cx_role_label(row.role)}",
    ),
    TableView(
        "mandates",
        DelegatedMandate,
        noun="mandate",
        plural="mandates",
        title=N_("Delegated mandates"),
        lead=N_("Who may decide what on the spot, up to what limit, in which channel."),
        new=N_("New mandate"),
        edit=N_("Edit delegated mandate"),
        added=lambda row: _("Mandate added."),
        saved=lambda row: _("Mandate saved."),
        empty=N_("No mandates match."),
        deactivate_label=N_("Withdraw"),
        reactivate_label=N_("Reinstate"),
        deactivated=lambda row: _("Mandate withdrawn."),
        reactivated=lambda row: _("Mandate reinstated."),
        name_of=lambda row: str(row.holder),
    ),
)
for _view in TABLE_VIEWS:
    table_views_register(_view)

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


def _framework_ref(org: Organisation) -> tuple[str, str] | None:
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
    entity: Any = org_get(ENTITY_KINDS[kind], entity_id)
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


# --- a touchpoint's page, a person's page and their removal --------------------------------


@bp.route("/touchpoints/<int:touchpoint_id>")
@roles_required(READ)
def touchpoint(touchpoint_id: int) -> ResponseReturnValue:
    """One touchpoint: its fields and its history."""
    tp = org_get(Touchpoint, touchpoint_id)
    return render_template(
        "register/touchpoint.html",
        tp=tp,
        declared=TABLE_BY_KEY["touchpoints"],
        history=row_history(tp, 15),
        toggle=VersionOnlyForm(),
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
        history=row_history(p, 15),
        toggle=VersionOnlyForm(),
        today=date.today(),
    )


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
        chosen = form.reassign_to.data if form.ownership.data == "reassign" else None
        target = org_get(Person, chosen) if chosen else None
        try:
            counts = services.person_remove(person=p, reassign_to=target, by=editor(), version_id=form.version())
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
            if not committed():
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
