"""Two calls linking one account to two people at the same moment: one links, the other is refused.

The write path locks the organisation's row before it judges a link, so the second call is
refused in words rather than by the unique index (uq_person_org_id_user_id, an error page).
PostgreSQL runs two requests in parallel; SQLite runs writing requests one after the other already.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from cxgov.orgs.models import Role
from cxgov.register import services, write
from cxgov.register.models import Person
from cxgov.register.write import RowsRefused, register_rows_apply


def test_two_calls_cannot_link_one_account_to_two_people_on_postgresql(app, db, make_org, make_member,
                                                                         monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs writing requests one after the other (BEGIN IMMEDIATE)")
    org = make_org()
    account = make_member(org, Role.AMBASSADOR, email="amb@example.com")
    people = [services.person_create(org=org, name=name, by=None).id for name in ("Ann", "Bob")]
    db.session.commit()
    org_id, account_id = org.id, account.id

    first_checked, second_checked = threading.Event(), threading.Event()
    check_now = write._check_accounts

    def check_then_let_the_other_in(org, table, planned, refs, stored_as_new, problems):
        check_now(org, table, planned, refs, stored_as_new, problems)
        if not first_checked.is_set():
            first_checked.set()
            # Without a lock the other call checks now too, before this one writes; with the
            # lock it waits for this one's commit, and the wait times out.
            second_checked.wait(3)
        else:
            second_checked.set()

    monkeypatch.setattr(write, "_check_accounts", check_then_let_the_other_in)
    outcomes: dict[int, str] = {}

    def link(person_id: int) -> None:
        with app.app_context():
            try:
                if person_id == people[1]:
                    first_checked.wait(30)
                target = db.session.get(type(org), org_id)
                register_rows_apply(org=target, table="people", by=None,
                                    rows=[{"id": person_id, "user": account_id}])
                db.session.commit()
                outcomes[person_id] = "linked"
            except RowsRefused as refused:
                db.session.rollback()
                outcomes[person_id] = refused.problems[0].message
            finally:
                db.session.remove()

    threads = [threading.Thread(target=link, args=(person_id,)) for person_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.undo()
    db.session.expire_all()
    linked = db.session.scalars(select(Person.name).where(Person.user_id == account_id)).all()
    assert linked == ["Ann"], outcomes
    assert outcomes[people[0]] == "linked"
    assert outcomes[people[1]] == "The cxgov account amb@example.com is already linked to Ann."
