"""One view set for every register table: list, new, edit, deactivate and reactivate.

:func:`table_views_register` attaches the five views of one table to the register blueprint,
under the endpoint names the pages, tests and links have always used (``register.touchpoints``,
``register.touchpoint_new``, ``register.touchpoint_edit``, ``register.touchpoint_deactivate``,
``register.touchpoint_reactivate``). The form comes from the table's declaration
(:func:`cxgov.register.forms.table_form`), the list from its :class:`~cxgov.register.queries.ListSpec`,
and every write goes through the register's one write path (``register_rows_apply``) with the table's key.
Views validate, call the write path, commit once, flash and redirect; a save from a stale
version answers 409 with both versions side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..auth.models import User
from ..extensions import db
from ..history.models import ChangeLog
from ..history.services import history_for_entity, jsonable
from ..messages import N_
from ..orgs.models import EDIT_REGISTER, READ, Organisation
from ..tenancy import current_org, org_get, roles_required
from . import queries, services
from .blueprint import bp
from .forms import VersionedForm, VersionOnlyForm, choices_fill, form_prefill, form_values, table_form
from .health import REVIEW_MAX_AGE_DAYS
from .models import Person
from .tables import TABLE_BY_KEY
from .write import MODELS, REFERENCE_KINDS, register_rows_apply

# --- the write path -----------------------------------------------------------------------
# Every write of these pages goes through the register's one write path,
# :func:`cxgov.register.write.register_rows_apply`, with the table's key: the rows' rules are
# checked there, the same as for the spreadsheet import, the CLI and the API.


def row_create(key: str, *, by: User, values: dict[str, Any]) -> Any:
    """Create a row of table ``key`` from form values; flushes, the view commits."""
    (row_id,) = register_rows_apply(org=current_org(), table=key, rows=[values], by=by)
    return db.session.get(MODELS[key], row_id)


def row_update(key: str, *, row: Any, by: User, version_id: int | None, values: dict[str, Any]) -> Any:
    """Change a row of table ``key``, refusing a stale ``version_id``; flushes, the view commits."""
    register_rows_apply(org=current_org(), table=key, rows=[{"id": row.id, "version": version_id, **values}], by=by)
    return row


def row_set_active(key: str, *, row: Any, active: bool, by: User, version_id: int | None) -> Any:
    """Deactivate (a CX role: end) or reactivate a row of table ``key``; flushes, the view commits."""
    return row_update(key, row=row, by=by, version_id=version_id, values={"active": active})


# --- what differs between tables ----------------------------------------------------------


@dataclass(frozen=True)
class TableView:
    """The pages of one register table: names, texts and the few hooks where a table differs.

    Texts are English, marked with N_ where the views are declared, and translated when shown;
    a ``%(name)s`` is the row's name.
    """

    #: the declared table (cxgov/register/tables.py)
    key: str
    model: Any
    #: endpoint prefix of one row's pages: ``touchpoint`` -> ``register.touchpoint_edit``
    noun: str
    #: endpoint and URL of the list: ``touchpoints`` -> ``register.touchpoints``, ``/touchpoints``
    plural: str
    title: str
    lead: str
    new: str
    edit: str
    saved: Callable[[Any], str]
    added: Callable[[Any], str]
    empty: str
    deactivated: Callable[[Any], str]
    reactivated: Callable[[Any], str]
    deactivate_label: str = N_("Deactivate")
    reactivate_label: str = N_("Reactivate")
    #: the URL suffix and endpoint suffix of "deactivate" (a CX role is ended)
    deactivate_verb: str = "deactivate"
    #: the row's own page, if it has one (saves and toggles return there)
    page: Callable[[Any], str] | None = None
    #: the page that replaces "deactivate" (a person's removal asks where their ownership goes)
    remove: Callable[[Any], str] | None = None
    #: service arguments that are not declared fields (a person's cxgov account)
    extra_values: Callable[[VersionedForm], dict[str, Any]] | None = None
    #: a template included above the list, with a condition on the request
    above_list: tuple[str, Callable[[], bool]] | None = None
    #: the row's name in headings and messages
    name_of: Callable[[Any], str] = field(default=lambda row: str(row.name))

    @property
    def id_arg(self) -> str:
        return f"{self.noun}_id"

    @property
    def history_kind(self) -> str:
        return str(self.model.__tablename__)

    def list_url(self, **args: Any) -> str:
        return url_for(f"register.{self.plural}", **args)

    def row_url(self, row: Any) -> str:
        """Return where a saved row is shown: its own page, else the list."""
        return self.page(row) if self.page else self.list_url()

    def toggle_endpoint(self, active: bool) -> str:
        """Return the endpoint that deactivates (``active``) or reactivates a row."""
        return f"register.{self.noun}_{self.deactivate_verb if active else 'reactivate'}"

    def row_active(self, row: Any, today: date | None = None) -> bool:
        return bool(row.is_active(today) if self.key == "cx_roles" else row.active)


def editor() -> User:
    """Return the signed-in user who makes the change (history names them)."""
    return current_user._get_current_object()


def row_history(row: Any, limit: int) -> list[ChangeLog]:
    """Return the latest ``limit`` changes of a register row, newest first."""
    return history_for_entity(org=current_org(), entity_type=row.__tablename__, entity_id=row.id, limit=limit)


def _values(view: TableView, form: VersionedForm) -> dict[str, Any]:
    values = form_values(form, key=view.key, lookup=org_get)
    if view.extra_values:
        values.update(view.extra_values(form))
    return values


def _yours(view: TableView, values: dict[str, Any]) -> dict[str, Any]:
    """Return the form's values in the shape history records a row (for the conflict table)."""
    state: dict[str, Any] = {}
    kinds = {f.name: f.kind for f in TABLE_BY_KEY[view.key].fields}
    for name, value in values.items():
        kind = kinds.get(name)
        if kind == "person":
            state[name] = services.person_ref(value)
        elif kind in ("journey", "channel"):
            state[name] = value.name if value is not None else None
        elif kind == "email":
            state[name] = (value or "").strip().lower() or None
        elif isinstance(value, User):
            state[name] = value.email
        elif isinstance(value, str):
            state[name] = value.strip()
        else:
            state[name] = jsonable(value)
    return state


def committed() -> bool:
    """Commit; on a concurrent save (stale version at flush) roll back and return False."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True


def _conflict(
    view: TableView, row: Any, form: VersionedForm, yours: dict[str, Any], **context: Any
) -> ResponseReturnValue:
    """Answer 409: your values beside the saved ones; the form now holds the saved version."""
    db.session.rollback()
    db.session.refresh(row)
    theirs = services.register_state(row)
    rows = [
        (name, yours.get(name), theirs.get(name)) for name in theirs if name in yours and yours[name] != theirs[name]
    ]
    last = row_history(row, 1)
    form.process(formdata=None, obj=row)
    form.version_id.data = str(row.version_id)
    return render_template(
        "register/form.html",
        form=form,
        entity=row,
        view=view,
        conflict={"rows": rows, "last": last[0] if last else None},
        **context,
    ), 409


def _choices_fill(form: VersionedForm, view: TableView, *, entity: Any) -> None:
    """Read what the form's selects offer and fill them (a posted form accepts inactive people)."""
    org = current_org()
    references = [f.name for f in TABLE_BY_KEY[view.key].fields if f.kind in REFERENCE_KINDS]
    current = {name: getattr(entity, f"{name}_id", None) for name in references} if entity is not None else {}
    choices_fill(
        form,
        key=view.key,
        entity=entity,
        rows=queries.form_rows(org, key=view.key, current=current, everyone=request.method == "POST"),
        members=_accounts(org, entity) if view.key == "people" else (),
    )


def _accounts(org: Organisation, person: Person | None) -> list[User]:
    """Return the accounts a person may be linked to: the members, and the one they have (a member who left).

    The write path accepts a link kept as it is, so editing such a person need not drop it.
    """
    members = queries.org_members(org)
    kept = person.user if person is not None else None
    return members + [kept] if kept is not None and kept not in members else members


# --- the five views -----------------------------------------------------------------------


def _list(view: TableView) -> ResponseReturnValue:
    org = current_org()
    spec = queries.LISTS[view.key]
    params = spec.params(request.args)
    options = queries.filter_options(org, spec)
    # a row that needs a journey and a channel cannot be added before they exist
    missing = [
        f.kind
        for f in spec.declared.fields
        if f.required and f.kind in ("journey", "channel") and not options.get(f.name, True)
    ]
    today = date.today()
    return render_template(
        "register/list.html",
        view=view,
        spec=spec,
        page=queries.rows_page(org, spec, params, today),
        params=params,
        options=options,
        missing=missing,
        toggle=VersionOnlyForm(),
        today=today,
        stale_before=today - timedelta(days=REVIEW_MAX_AGE_DAYS),
        above_list=view.above_list[0] if view.above_list and view.above_list[1]() else None,
    )


def _new(view: TableView) -> ResponseReturnValue:
    form = table_form(view.key)()
    _choices_fill(form, view, entity=None)
    if request.method == "GET":
        form_prefill(form, key=view.key, args=request.args, today=date.today())
    if form.validate_on_submit():
        try:
            row = row_create(view.key, by=editor(), values=_values(view, form))
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(view.added(row), "success")
            return redirect(view.row_url(row))
    return render_template(
        "register/form.html", form=form, entity=None, view=view, heading=_(view.new), cancel=view.list_url()
    )


def _edit(view: TableView, row_id: int) -> ResponseReturnValue:
    row = org_get(view.model, row_id)
    form = table_form(view.key)(obj=row)
    _choices_fill(form, view, entity=row)
    if request.method == "GET":
        form.version_id.data = str(row.version_id)
    context = {
        "heading": _(view.edit, name=view.name_of(row)),
        "cancel": view.row_url(row),
        "history": row_history(row, 5),
    }
    if form.validate_on_submit():
        values = _values(view, form)
        try:
            row_update(view.key, row=row, by=editor(), version_id=form.version(), values=values)
        except (services.ConflictError, StaleDataError):
            return _conflict(view, row, form, _yours(view, values), **context)
        except services.RegisterError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if not committed():
                return _conflict(view, row, form, _yours(view, values), **context)
            flash(view.saved(row), "success")
            return redirect(view.row_url(row))
    return render_template("register/form.html", form=form, entity=row, view=view, **context)


def _set_active(view: TableView, row_id: int, active: bool) -> ResponseReturnValue:
    """Deactivate or reactivate from a post button carrying the version it was shown with."""
    row = org_get(view.model, row_id)
    back = view.page(row) if view.page else view.list_url(**({"status": "all"} if active else {}))
    form = VersionOnlyForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "warning")
        return redirect(back)
    try:
        row_set_active(view.key, row=row, active=active, by=editor(), version_id=form.version())
    except (services.ConflictError, StaleDataError):
        db.session.rollback()
        flash(_("Someone else changed this record meanwhile; nothing was changed. Check it and try again."), "danger")
        return redirect(back)
    except services.RegisterError as error:
        db.session.rollback()
        flash(str(error), "warning")
        return redirect(back)
    if not committed():
        flash(_("Someone else changed this record meanwhile; nothing was changed."), "danger")
        return redirect(back)
    flash(view.reactivated(row) if active else view.deactivated(row), "success")
    return redirect(back)


def table_views_register(view: TableView) -> None:
    """Attach the list, new, edit, deactivate and reactivate views of one table to the blueprint."""
    path, rule = f"/{view.plural}", f"/{view.plural}/<int:{view.id_arg}>"

    def listing() -> ResponseReturnValue:
        return _list(view)

    def new() -> ResponseReturnValue:
        return _new(view)

    def edit(**kw: int) -> ResponseReturnValue:
        return _edit(view, kw[view.id_arg])

    def deactivate(**kw: int) -> ResponseReturnValue:
        return _set_active(view, kw[view.id_arg], active=False)

    def reactivate(**kw: int) -> ResponseReturnValue:
        return _set_active(view, kw[view.id_arg], active=True)

    views: list[tuple[str, str, Callable[..., ResponseReturnValue], Any, list[str]]] = [
        (path, view.plural, listing, READ, ["GET"]),
        (f"{path}/new", f"{view.noun}_new", new, EDIT_REGISTER, ["GET", "POST"]),
        (f"{rule}/edit", f"{view.noun}_edit", edit, EDIT_REGISTER, ["GET", "POST"]),
        (f"{rule}/reactivate", f"{view.noun}_reactivate", reactivate, EDIT_REGISTER, ["POST"]),
    ]
    if view.remove is None:
        verb = view.deactivate_verb
        views.append((f"{rule}/{verb}", f"{view.noun}_{verb}", deactivate, EDIT_REGISTER, ["POST"]))
    for url, endpoint, function, roles, methods in views:
        function.__name__ = endpoint  # the name security events and the view registry report
        function.__doc__ = f"{endpoint.replace('_', ' ').capitalize()} ({view.key}, generic register view)."
        bp.add_url_rule(url, endpoint, roles_required(roles)(function), methods=methods)


@bp.app_template_global("register_suggestions")
def register_suggestions(key: str, control: str) -> tuple[str, ...]:
    """Return the values a form offers for a free-text field (English; the template translates them)."""
    table = TABLE_BY_KEY.get(key)
    declared = next((f for f in table.fields if f.name == control), None) if table else None
    return declared.suggestions if declared else ()
