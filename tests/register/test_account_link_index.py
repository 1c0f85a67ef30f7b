"""One person of an organisation per cxgov account, held by a unique index as well as the write path.

The write path judges a link on the register as it stands after the call, so one call may move
an account from one person to another, or swap or rotate accounts between people, in any row
order: the rows giving an account up are unlinked before any row takes one, as the index
(``uq_person_org_id_user_id``) checks each UPDATE. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from cxgov.history.models import ChangeLog
from cxgov.ops.transfer import org_export, org_file_read, org_import
from cxgov.orgs.models import Organisation, Role
from cxgov.register import services
from cxgov.register.models import Person
from cxgov.register.write import RowsRefused, register_rows_apply
from tests.ops.test_transfer import file_of, payload_of
from tests.test_tenancy import fingerprint


def _links(db, org) -> dict[str, int | None]:
    db.session.expire_all()
    return {p.name: p.user_id for p in db.session.scalars(select(Person).where(Person.org_id == org.id))}


@pytest.fixture
def people(db, make_org, make_member):
    """An organisation with three members and three people: Ann, Bob and Cy linked to accounts a, b, c."""
    org = make_org()
    accounts = [make_member(org, Role.AMBASSADOR, email=f"{n}@example.com") for n in "abc"]
    rows = [services.person_create(org=org, name=name, user=account, by=None)
            for name, account in zip(("Ann", "Bob", "Cy"), accounts)]
    db.session.commit()
    return org, rows, [account.id for account in accounts]


def test_a_link_moves_to_a_person_listed_before_the_one_giving_it_up(db, people):
    org, (ann, bob, _cy), (a, _b, _c) = people
    register_rows_apply(org=org, table="people", by=None, rows=[{"id": bob.id, "user": a}, {"id": ann.id, "user": None}])
    db.session.commit()
    assert _links(db, org)["Ann"] is None and _links(db, org)["Bob"] == a
    moved = db.session.scalars(select(ChangeLog).where(ChangeLog.entity_type == "person", ChangeLog.action == "update")
                               .order_by(ChangeLog.id)).all()
    assert [entry.entity_id for entry in moved] == [bob.id, ann.id]  # one entry each: the stand-in is not history
    assert db.session.get(Person, ann.id).version_id == 2  # the step aside took no version of its own


def test_two_people_swap_accounts_in_one_call(db, people):
    org, (ann, bob, cy), (a, b, c) = people
    register_rows_apply(org=org, table="people", by=None, rows=[{"id": ann.id, "user": b}, {"id": bob.id, "user": a}])
    db.session.commit()
    assert _links(db, org) == {"Ann": b, "Bob": a, "Cy": c}


def test_three_people_rotate_accounts_and_a_new_person_takes_one_given_up(db, people, make_member):
    org, (ann, bob, cy), (a, b, c) = people
    register_rows_apply(org=org, table="people", by=None, rows=[
        {"name": "Dee", "user": c},
        {"id": ann.id, "user": b}, {"id": bob.id, "user": a}, {"id": cy.id, "user": None},
    ])
    db.session.commit()
    assert _links(db, org) == {"Ann": b, "Bob": a, "Cy": None, "Dee": c}


def test_a_link_kept_by_a_person_outside_the_call_is_still_refused_in_words(db, people):
    org, (ann, bob, _cy), (a, _b, _c) = people
    before = fingerprint()
    with pytest.raises(RowsRefused) as refused:
        register_rows_apply(org=org, table="people", by=None, rows=[{"id": bob.id, "user": a}])
    assert [p.message for p in refused.value.problems] == ["The cxgov account a@example.com is already linked to Ann."]
    db.session.rollback()
    assert fingerprint() == before


def test_the_database_allows_one_person_per_account_in_an_organisation(db, people, make_org):
    org, (ann, bob, _cy), (a, _b, _c) = people
    table = Person.__table__
    with pytest.raises(IntegrityError):  # written around the write path: the index refuses it
        db.session.execute(update(table).where(table.c.id == bob.id).values(user_id=a))
    db.session.rollback()
    # people without an account, and the same account in another organisation, are no conflict
    other = make_org()
    db.session.execute(insert(table), [
        {"org_id": org.id, "name": "No account 1", "version_id": 1},
        {"org_id": org.id, "name": "No account 2", "version_id": 1},
        {"org_id": other.id, "name": "Ann elsewhere", "user_id": a, "version_id": 1},
    ])
    db.session.commit()


def test_an_org_package_linking_one_account_to_two_people_keeps_it_with_the_earliest(app, db, people, runner,
                                                                                     tmp_path):
    """A package made before the index may link one account to two people: the copy keeps the first link only."""
    org, (ann, bob, _cy), (a, _b, _c) = people
    payload = payload_of(org_export(org=org))
    person = payload["tables"]["person"]
    id_at, user_at = person["columns"].index("id"), person["columns"].index("user_id")
    rows = {row[id_at]: row for row in person["rows"]}
    rows[bob.id][user_at] = rows[ann.id][user_at]  # as an old database could hold it
    result = org_import(payload=org_file_read(file_of(payload)), slug="copy")
    db.session.commit()
    assert result.links_cleared == 1
    assert result.links_cleared_note() == (
        "1 person's link to a cxgov account was cleared: another person of the organisation is linked to that account."
    )
    copy = db.session.scalar(select(Organisation).where(Organisation.slug == "copy"))
    assert _links(db, copy)["Ann"] == a and _links(db, copy)["Bob"] is None
    path = tmp_path / "old.cxgov.json.gz"
    path.write_bytes(file_of(payload))
    result = runner.invoke(args=["org", "import", str(path), "--slug", "copy-cli"])
    assert result.exit_code == 0, result.output
    assert "1 person's link to a cxgov account was cleared" in result.output
