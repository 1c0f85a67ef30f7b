"""The register's pages come from the table declarations: every declared field has its form
control and its list column (or badge), every table has the five generic views under its old
endpoint names, and history names a field as its own table declares it."""
from __future__ import annotations

import dataclasses
import html
import re

import pytest
from sqlalchemy import event

from cxgov.extensions import db as _db
from cxgov.orgs.models import Role
from cxgov.register import services
from cxgov.register.forms import choices_fill, control_name, form_fields, table_form
from cxgov.register.models import Journey, Person, Touchpoint
from cxgov.register.queries import LISTS, ListSpec
from cxgov.register.routes import TABLE_VIEWS
from cxgov.register.tables import TABLE_BY_KEY, TABLES, RegisterField

from .helpers import small_register

VIEWS = {view.key: view for view in TABLE_VIEWS}


@pytest.fixture
def reg(make_org, client, login, make_member):
    org = make_org(slug="nordlys", name="Nordlys")
    login(client, make_member(org, Role.SPONSOR))
    return small_register(org)


def test_every_table_has_one_view_set_and_a_list():
    assert {t.key for t in TABLES} == set(VIEWS) == set(LISTS)


def test_the_five_endpoints_of_every_table_keep_their_names(app):
    endpoints = set(app.view_functions)
    for view in TABLE_VIEWS:
        expected = {view.plural, f"{view.noun}_new", f"{view.noun}_edit", f"{view.noun}_reactivate"}
        expected.add("person_remove" if view.key == "people" else f"{view.noun}_{view.deactivate_verb}")
        assert {f"register.{name}" for name in expected} <= endpoints, view.key


@pytest.mark.parametrize("key", [t.key for t in TABLES])
def test_every_declared_field_is_in_the_form_and_the_list(client, reg, key):
    view, table = VIEWS[key], TABLE_BY_KEY[key]
    form = client.get(f"/o/nordlys/register/{view.plural}/new").get_data(as_text=True)
    assert form.count("<h1") == 1
    for declared in form_fields(table):
        name = control_name(declared)
        assert re.search(rf'name="{name}"', form), (key, name)
        label = re.search(rf'<label[^>]*for="{name}"[^>]*>([^<]*)</label>', form)
        assert label and html.unescape(label.group(1)).strip() == str(declared.label), (key, name)
    listing = client.get(f"/o/nordlys/register/{view.plural}?status=all").get_data(as_text=True)
    headers = [html.unescape(h) for h in re.findall(r'class="cx-sort[^"]*" href="[^"]*">([^<]*)<', listing)]
    spec = LISTS[key]
    shown = {spec.title, spec.subtitle, *spec.details.values(), *(f.name for f in spec.badges())}
    for declared in table.fields:
        if declared.name == "active":
            continue
        assert declared.name in shown or str(declared.label) in headers, (key, declared.name, headers)


def test_history_labels_a_field_as_its_own_table_declares_it(client, reg):
    services.touchpoint_update(touchpoint=reg["touchpoints"][0], owner=reg["bo"], by=None)
    services.journey_update(journey=reg["move_in"], owner=reg["bo"], by=None)
    _db.session.commit()
    touchpoint = client.get(f"/o/nordlys/register/history/touchpoint/{reg['touchpoints'][0].id}").get_data(as_text=True)
    journey = client.get(f"/o/nordlys/register/history/journey/{reg['move_in'].id}").get_data(as_text=True)
    assert '<span class="text-muted">Owner:</span>' in touchpoint
    assert '<span class="text-muted">Journey owner:</span>' in journey


def test_a_form_is_filled_from_the_rows_it_is_given_without_reading_the_database(app):
    """The queries live in queries.form_rows; the form only turns the rows it receives into options."""
    anna = Person(id=7, org_id=1, name="Anna", title="Lead", active=True)
    gone = Person(id=8, org_id=1, name="Gösta", title="", active=False)
    move_in = Journey(id=3, org_id=1, name="Move in", active=True)
    old = Journey(id=4, org_id=1, name="Old", active=False)
    current = Touchpoint(id=1, org_id=1, journey_id=4, channel_id=5, owner_id=8, name="Sign")
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.test_request_context():
        form = table_form("touchpoints")(formdata=None)
        event.listen(_db.engine, "before_cursor_execute", record)
        try:
            choices_fill(
                form,
                key="touchpoints",
                entity=current,
                rows={"journey": [move_in, old], "channel": [], "owner": [anna, gone]},
            )
        finally:
            event.remove(_db.engine, "before_cursor_execute", record)
        assert statements == []
        assert form.owner_id.choices == [("", "— nobody —"), (7, "Anna – Lead"), (8, "Gösta (inactive)")]
        # a journey is offered while active, or when it is the row's own (shown as inactive)
        assert form.journey_id.choices == [(3, "Move in"), (4, "Old (inactive)")]
        assert form.channel_id.choices == []


def test_a_list_derives_its_title_filters_columns_status_and_counts_from_the_declaration():
    expected = {
        "people": ("name", "active", "owner"),
        "channels": ("name", "active", "channel"),
        "journeys": ("name", "active", "journey"),
        "touchpoints": ("name", "active", None),
        "cx_roles": ("role", "held", None),
        "mandates": ("holder", "active", None),
    }
    assert {key: (s.title, s.status, s.touchpoints_by) for key, s in LISTS.items()} == expected
    for key, spec in LISTS.items():
        for declared in TABLE_BY_KEY[key].fields:
            if declared.kind in ("person", "journey", "channel", "choice"):
                assert declared.name in spec.filters, (key, declared.name)


def test_a_field_added_to_a_declaration_becomes_a_column_a_sort_and_a_filter(monkeypatch):
    table = TABLE_BY_KEY["mandates"]
    tier = RegisterField("tier", "choice", "Tier", "tier", 20, choices=("gold", "silver"))
    monkeypatch.setitem(TABLE_BY_KEY, "mandates", dataclasses.replace(table, fields=(*table.fields, tier)))
    spec = ListSpec("mandates")
    assert "tier" in spec.filters and "tier" in spec.sorts()
    assert [f.name for f in spec.columns()] == ["decision", "limit", "channel", "tier"]
