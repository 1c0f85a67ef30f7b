"""One write-path call is checked as a whole: names are unique in the register as it stands after the call.

A batch may swap or rotate names (A→B and B→A), or give a new row a name another row of the
same batch gives up; the register's rule compares against the state after the batch, and the
rows are written in an order the database's unique indexes accept on SQLite and PostgreSQL.
Real duplicates are still refused: a name kept by a row outside the batch, two rows of the
batch ending with one name (in any letter case).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from cxgov.history.models import ChangeLog
from cxgov.register import services
from cxgov.register.models import Channel, Journey, Person, Touchpoint
from cxgov.register.write import RowsRefused, register_rows_apply
from tests.test_tenancy import fingerprint


def _names(db, model, org) -> dict[int, str]:
    db.session.expire_all()
    return {row.id: row.name for row in db.session.scalars(select(model).where(model.org_id == org.id))}


def test_two_channels_swap_names_in_one_call(db, make_org):
    org = make_org()
    web = services.channel_create(org=org, name="Web", kind="web", by=None)
    phone = services.channel_create(org=org, name="Phone", kind="phone", by=None)
    db.session.commit()
    register_rows_apply(
        org=org, table="channels", by=None, rows=[{"id": web.id, "name": "Phone"}, {"id": phone.id, "name": "Web"}]
    )
    db.session.commit()
    assert _names(db, Channel, org) == {web.id: "Phone", phone.id: "Web"}
    renames = db.session.scalars(
        select(ChangeLog)
        .where(ChangeLog.entity_type == "channel", ChangeLog.action == "update")
        .order_by(ChangeLog.entity_id)
    )
    assert [entry.changes for entry in renames] == [{"name": ["Web", "Phone"]}, {"name": ["Phone", "Web"]}]


def test_three_journeys_rotate_names_and_a_case_swap(db, make_org):
    org = make_org()
    a, b, c = (services.journey_create(org=org, name=name, by=None) for name in ("Move in", "Pay", "Leave"))
    db.session.commit()
    register_rows_apply(
        org=org,
        table="journeys",
        by=None,
        rows=[{"id": a.id, "name": "pay"}, {"id": b.id, "name": "LEAVE"}, {"id": c.id, "name": "Move in"}],
    )
    db.session.commit()
    assert _names(db, Journey, org) == {a.id: "pay", b.id: "LEAVE", c.id: "Move in"}


def test_a_new_row_takes_the_name_another_row_of_the_batch_gives_up(db, make_org):
    org = make_org()
    web = services.channel_create(org=org, name="Web", kind="web", by=None)
    db.session.commit()
    ids = register_rows_apply(
        org=org, table="channels", by=None, rows=[{"name": "Web", "kind": "web"}, {"id": web.id, "name": "Old web"}]
    )
    db.session.commit()
    assert _names(db, Channel, org) == {web.id: "Old web", ids[0]: "Web"}


def test_two_touchpoints_swap_journeys_and_two_people_swap_emails(db, make_org):
    org = make_org()
    move, pay = (services.journey_create(org=org, name=name, by=None) for name in ("Move in", "Pay"))
    web = services.channel_create(org=org, name="Web", kind="web", by=None)
    first = services.touchpoint_create(org=org, journey=move, channel=web, name="Sign", by=None)
    second = services.touchpoint_create(org=org, journey=pay, channel=web, name="Sign", by=None)
    ann = services.person_create(org=org, name="Ann", email="ann@example.com", by=None)
    bob = services.person_create(org=org, name="Bob", email="bob@example.com", by=None)
    db.session.commit()
    register_rows_apply(
        org=org,
        table="touchpoints",
        by=None,
        rows=[{"id": first.id, "journey": pay.id}, {"id": second.id, "journey": move.id}],
    )
    register_rows_apply(
        org=org,
        table="people",
        by=None,
        rows=[{"id": ann.id, "email": "bob@example.com"}, {"id": bob.id, "email": "ann@example.com"}],
    )
    db.session.commit()
    db.session.expire_all()
    assert (db.session.get(Touchpoint, first.id).journey_id, db.session.get(Touchpoint, second.id).journey_id) == (
        pay.id,
        move.id,
    )
    # the names stay: a row steps aside under a stand-in name, and its UPDATE writes the name back
    assert (db.session.get(Touchpoint, first.id).name, db.session.get(Touchpoint, second.id).name) == ("Sign", "Sign")
    assert (db.session.get(Person, ann.id).email, db.session.get(Person, bob.id).email) == (
        "bob@example.com",
        "ann@example.com",
    )


@pytest.mark.parametrize(
    "rows, refused",
    [
        # a name a row outside the batch keeps
        (lambda web, phone: [{"id": web.id, "name": "chat"}], [(0, "A channel named “chat” already exists.")]),
        # two rows of the batch end with one name (in any letter case)
        (
            lambda web, phone: [{"id": web.id, "name": "Fax"}, {"id": phone.id, "name": "fax"}],
            [(1, "A channel named “fax” already exists.")],
        ),
        # two new rows with one name
        (
            lambda web, phone: [{"name": "Shop", "kind": "store"}, {"name": "SHOP", "kind": "store"}],
            [(1, "A channel named “SHOP” already exists.")],
        ),
        # a new row takes a name that a row of the batch keeps
        (
            lambda web, phone: [{"id": web.id, "kind": "app"}, {"name": "web", "kind": "web"}],
            [(1, "A channel named “web” already exists.")],
        ),
        # a swap half-done: Web becomes Phone, Phone stays
        (
            lambda web, phone: [{"id": web.id, "name": "Phone"}, {"id": phone.id, "kind": "app"}],
            [(0, "A channel named “Phone” already exists.")],
        ),
    ],
)
def test_real_duplicates_are_still_refused_and_nothing_is_written(db, make_org, rows, refused):
    org = make_org()
    web = services.channel_create(org=org, name="Web", kind="web", by=None)
    phone = services.channel_create(org=org, name="Phone", kind="phone", by=None)
    services.channel_create(org=org, name="Chat", kind="chat", by=None)
    db.session.commit()
    before = fingerprint()
    with pytest.raises(RowsRefused) as error:
        register_rows_apply(org=org, table="channels", rows=rows(web, phone), by=None)
    assert [(p.index, p.message) for p in error.value.problems] == refused
    db.session.rollback()
    assert fingerprint() == before


def test_legacy_names_differing_in_case_can_trade_places(db, make_org):
    # Two channels that differ only in letter case (from before the rule, written past the write
    # path): the database's unique index is case-sensitive, so "Shop" taking "shop" while the
    # other row leaves it must step aside too, or the first UPDATE meets the index (a 500).
    org = make_org()
    upper = Channel(org_id=org.id, name="Shop", kind="web")
    lower = Channel(org_id=org.id, name="shop", kind="web")
    db.session.add_all([upper, lower])
    db.session.commit()
    register_rows_apply(
        org=org, table="channels", by=None, rows=[{"id": upper.id, "name": "shop"}, {"id": lower.id, "name": "Store"}]
    )
    db.session.commit()
    assert _names(db, Channel, org) == {upper.id: "shop", lower.id: "Store"}
