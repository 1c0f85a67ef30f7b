"""Cases for bench/fixed_cost_bench.py: what every test pays before its own work (not collected by make test).

Each kind runs ``ROUNDS`` times with the tests' own fixtures (tests/conftest.py, loaded as a plugin).
"""

from __future__ import annotations

import pytest

from cxgov.orgs.models import Role

ROUNDS = range(40)


@pytest.mark.parametrize("round_", ROUNDS)
def test_app_only(app, round_):
    """Build the app, enter its context, empty the tables, dispose of the engine."""
    assert app.config["TESTING"]


@pytest.mark.parametrize("round_", ROUNDS)
def test_login_page(client, round_):
    """The above plus one page that needs no login."""
    assert client.get("/login").status_code == 200


@pytest.mark.parametrize("round_", ROUNDS)
def test_member_opens_org_overview(client, make_org, make_member, login, round_):
    """A typical test's start: an organisation, a member logged in, one page of the organisation."""
    org = make_org()
    login(client, make_member(org, Role.SPONSOR))
    assert client.get(f"/o/{org.slug}/").status_code == 200
