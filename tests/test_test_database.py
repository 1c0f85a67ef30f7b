"""The app fixture's teardown leaves the database as a fresh schema: every table empty, ids from 1."""
from __future__ import annotations

from sqlalchemy import func, select

from cxgov.auth.models import User
from cxgov.orgs.models import Organisation
from tests.conftest import _empty_all_tables


def test_emptying_leaves_every_table_empty_and_every_id_starting_at_1(db, make_org):
    make_org()  # a user, an organisation and a membership
    db.session.add(Organisation(slug="rolled-back", name="Rolled back"))
    db.session.flush()  # on PostgreSQL this moves the id sequence; the rollback does not undo that
    db.session.rollback()
    db.session.remove()

    _empty_all_tables()

    for table in db.metadata.sorted_tables:
        assert db.session.execute(select(func.count()).select_from(table)).scalar() == 0, table.name
    user = User(email="first@example.com", name="First")
    organisation = Organisation(slug="first", name="First")
    db.session.add_all([user, organisation])
    db.session.commit()
    assert (user.id, organisation.id) == (1, 1)


def test_a_sequence_moved_by_a_rolled_back_insert_alone_starts_at_1_again(db):
    db.session.add(Organisation(slug="rolled-back", name="Rolled back"))
    db.session.flush()
    db.session.rollback()
    db.session.remove()

    _empty_all_tables()

    organisation = Organisation(slug="first", name="First")
    db.session.add(organisation)
    db.session.commit()
    assert organisation.id == 1
