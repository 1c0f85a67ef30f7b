"""Fix a register gap where it is shown: assign or change an owner from a list row, a matrix
cell, a health check or a person page, without opening the edit form.

Every inline form carries the row's ``version_id``; a save from a stale page (a second tab,
a colleague) answers 409 with what the row holds now, and nothing is changed. The change goes
through the register's own update services, so history records it as any other edit.
Also here: the link from each health check to the filtered list (or form) that fixes it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired

from ..extensions import db
from ..history.services import history_for_entity
from ..orgs.models import EDIT_REGISTER
from ..tenancy import current_org, org_get, roles_required
from ..validators import CxForm
from . import queries, services
from .forms import version_check
from .models import Channel, Journey, Person, Touchpoint
from .blueprint import bp
from .table_views import editor, row_update

#: kind -> (model, its declared table, the field that names its owner); the change is written
#: through the register views' one write mapping (:mod:`cxgov.register.table_views`)
OWNABLE: dict[str, tuple[type[Touchpoint] | type[Journey] | type[Channel], str, str]] = {
    "touchpoint": (Touchpoint, "touchpoints", "owner"),
    "journey": (Journey, "journeys", "owner"),
    "channel": (Channel, "channels", "manager"),
}


class OwnerAssignForm(CxForm):
    kind = SelectField(choices=[(k, k) for k in OWNABLE], validators=[DataRequired()])
    entity_id = IntegerField(validators=[DataRequired()])
    #: the row's version when the page was shown (optimistic locking)
    version_id = HiddenField(validators=[DataRequired(), version_check])
    owner_id = IntegerField(validators=[DataRequired()])
    #: where to go back to: a path on this site
    next = HiddenField()


def _back(target: str | None) -> str:
    """Return ``target`` when it is a path on this site, else the register health page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("register.health")


def _owner_of(entity: Any) -> Person | None:
    return entity.manager if isinstance(entity, Channel) else entity.owner


@bp.route("/owner", methods=["POST"])
@roles_required(EDIT_REGISTER)
def owner_assign() -> ResponseReturnValue:
    """Give a touchpoint, journey or channel an owner from wherever the gap is shown."""
    form = OwnerAssignForm()
    back = _back(form.next.data)
    if not form.validate_on_submit():
        flash(_("Choose a person to make the owner."), "warning")
        return redirect(back)
    model, table, field = OWNABLE[form.kind.data]
    entity: Touchpoint | Journey | Channel = org_get(model, form.entity_id.data)
    owner = org_get(Person, form.owner_id.data)
    yours = owner.name
    try:
        row_update(table, row=entity, by=editor(), version_id=int(form.version_id.data), values={field: owner})
        db.session.commit()
    except (services.ConflictError, StaleDataError):
        return _conflict(form.kind.data, entity, yours, back)
    except services.RegisterError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(back)
    flash(_("%(person)s now owns “%(name)s”.", person=owner.name, name=entity.name), "success")
    return redirect(back)


def _conflict(kind: str, entity: Any, yours: str, back: str) -> ResponseReturnValue:
    """Answer 409: the row changed since the page was shown; show what it holds now."""
    db.session.rollback()
    db.session.refresh(entity)
    last = history_for_entity(org=current_org(), entity_type=kind, entity_id=entity.id, limit=1)
    return render_template(
        "register/owner_conflict.html",
        kind=kind,
        entity=entity,
        owner=_owner_of(entity),
        yours=yours,
        last=last[0] if last else None,
        back=back,
    ), 409


# --- what the inline forms need -----------------------------------------------------------


@bp.app_template_global("register_owner_choices")
def register_owner_choices() -> list[tuple[int, str]]:
    """Return (id, name) of the organisation's active people, loaded once per request."""
    # cached in the WSGI environ: per request, not per app context (which tests share across requests)
    if "cxgov.owner_choices" not in request.environ:
        request.environ["cxgov.owner_choices"] = [(p.id, p.name) for p in queries.people_choices(current_org())]
    return request.environ["cxgov.owner_choices"]


@bp.app_template_global("register_row_version")
def register_row_version(kind: str, entity_id: int) -> int | None:
    """Return the current version of an ownable row (one query per kind and request)."""
    if kind not in OWNABLE:
        return None
    cache = request.environ.setdefault("cxgov.row_versions", {})
    if kind not in cache:
        model = OWNABLE[kind][0]
        cache[kind] = dict(
            db.session.execute(select(model.id, model.version_id).where(model.org_id == current_org().id)).all()
        )
    return cache[kind].get(entity_id)


#: health check key -> (endpoint, arguments) of the page that fixes it
CHECK_FIXES: dict[str, tuple[str, dict[str, str]]] = {
    "touchpoints_unowned": ("register.touchpoints", {"owner": "none"}),
    "journeys_unowned": ("register.journeys", {"owner": "none"}),
    "channels_without_manager": ("register.channels", {"manager": "none"}),
    "sponsor": ("register.roles", {"role": "cx_sponsor", "status": "active"}),
    "ambassadors_per_channel": ("register.role_new", {"role": "ambassador"}),
    "customer_board": ("register.role_new", {"role": "customer_board"}),
    "insight_manager": ("register.role_new", {"role": "insight_manager"}),
    "complaints_channel": ("register.channel_new", {"kind": "complaints"}),
    "omnichannel_lead": ("register.roles", {"role": "omnichannel_lead", "status": "active"}),
    "service_promise": ("org.settings", {}),
    "delegated_mandates": ("register.mandate_new", {}),
    "inactive_owners": ("register.people", {"status": "inactive", "owns": "yes"}),
    "owner_concentration": ("register.touchpoints", {"sort": "owner"}),
    "touchpoints_reviewed": ("register.touchpoints", {"review": "stale"}),
}


@bp.app_template_global("register_check_fix_url")
def register_check_fix_url(key: str) -> str | None:
    """Return the URL of the filtered list or form that fixes health check ``key``.

    None for a member who cannot edit the register: a "Fix" link must not lead a viewer or a
    respondent to a form that answers 403 (found by the accessibility crawl).
    """
    membership = getattr(g, "membership", None)
    if membership is None or membership.role not in EDIT_REGISTER:
        return None
    endpoint, args = CHECK_FIXES.get(key, (None, {}))
    return url_for(endpoint, **args) if endpoint else None  # type: ignore[arg-type]  # str query arguments
