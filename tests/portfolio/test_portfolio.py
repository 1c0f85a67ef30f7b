"""The consultant's portfolio: one row per client, flat query count, filters, sorting, XLSX."""
from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date

import openpyxl
import pytest
from sqlalchemy import event, select

from cxgov.cycles.models import Cycle
from cxgov.extensions import db as _db
from cxgov.orgs.models import Membership, Role
from cxgov.portfolio.selectors import portfolio_rows, portfolio_view
from cxgov.reports.models import ReportVersion

from .helpers import client_with_activity, closed_cycle

TODAY = date.today()


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.split(" ", 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            seen.append(statement)  # transaction bookkeeping depends on what ran before, not on the clients

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def consultant(make_user):
    return make_user(is_consultant=True, name="Helena Strand")


def make_clients(n, consultant, make_org, make_user, industry=lambda i: "Energy" if i % 2 else "Retail"):
    orgs = []
    for i in range(n):
        org = make_org(name=f"Client {i:02d}", industry=industry(i), consultant=consultant)
        users = [make_user() for _ in range(3)]
        client_with_activity(org, users, today=TODAY, n=i)
        orgs.append(org)
    return orgs


def test_a_row_per_client_with_index_progress_health_actions(consultant, make_org, make_user):
    orgs = make_clients(3, consultant, make_org, make_user)
    make_org(name="Someone else's client")  # another consultant's: not in this portfolio
    rows = portfolio_rows(consultant, today=TODAY)
    assert [r.name for r in rows] == ["Client 00", "Client 01", "Client 02"]
    first = rows[0]
    assert first.org_id == orgs[0].id and first.period == "2026-Q2" and first.index == 40.0
    assert (first.answered, first.invited) == (2, 3)
    assert first.days_left == 0 and first.overdue_actions == 1 and first.open_actions == 2
    assert 0 < first.health_score < 100
    assert set(first.attention) == {"reminders_due", "report_not_issued", "overdue_actions"}


def test_an_issued_report_is_the_last_report_and_ends_report_not_issued(consultant, make_org, make_user):
    [org] = make_clients(1, consultant, make_org, make_user)
    closed = _db.session.scalar(select(Cycle).where(Cycle.org_id == org.id, Cycle.status == "closed"))
    [row] = portfolio_rows(consultant, today=TODAY)
    assert row.last_report_period is None and "report_not_issued" in row.attention
    _db.session.add(ReportVersion(org_id=org.id, cycle_id=closed.id, number=1, context={}, context_hash="x"))
    _db.session.commit()
    [row] = portfolio_rows(consultant, today=TODAY)
    assert row.last_report_period == closed.period and "report_not_issued" not in row.attention


def test_query_count_is_the_same_for_5_and_20_clients(app, consultant, make_org, make_user):
    make_clients(5, consultant, make_org, make_user)
    portfolio_rows(consultant, today=TODAY)  # warm the framework catalogue, loaded once per process
    _db.session.expire_all()
    with count_queries() as five:
        assert len(portfolio_rows(consultant, today=TODAY)) == 5
    make_clients(15, consultant, make_org, make_user)
    _db.session.expire_all()
    with count_queries() as twenty:
        assert len(portfolio_rows(consultant, today=TODAY)) == 20
    assert len(five) == len(twenty), (len(five), len(twenty))
    assert len(twenty) <= 14


def test_the_page_too_runs_a_flat_number_of_queries(app, client, login, consultant, make_org, make_user):
    login(client, consultant)
    make_clients(5, consultant, make_org, make_user)
    client.get("/portfolio")  # warm caches (framework catalogue)
    _db.session.expire_all()
    with count_queries() as five:
        assert client.get("/portfolio").status_code == 200
    make_clients(15, consultant, make_org, make_user)
    _db.session.expire_all()
    with count_queries() as twenty:
        page = client.get("/portfolio").data.decode()
    assert page.count('data-testid="portfolio-row"') == 20
    assert len(five) == len(twenty)


def test_filter_by_industry_and_attention_and_sort(consultant, make_org, make_user):
    make_clients(4, consultant, make_org, make_user)
    calm = make_org(name="Calm Co", industry="Bank", consultant=consultant)
    rows = portfolio_rows(consultant, today=TODAY)
    assert [r.name for r in portfolio_view(rows, industry="Energy")] == ["Client 01", "Client 03"]
    assert "Calm Co" not in [r.name for r in portfolio_view(rows, attention_only=True)]
    by_index = portfolio_view(rows, sort="index", desc=True)
    assert [r.name for r in by_index][:2] == ["Client 03", "Client 02"]
    assert by_index[-1].org_id == calm.id  # no index: last whichever the direction
    assert portfolio_view(rows, sort="index")[-1].org_id == calm.id


def test_consultant_home_shows_the_portfolio_and_others_are_refused(client, login, consultant, make_org,
                                                                     make_user, make_member):
    org = make_clients(1, consultant, make_org, make_user)[0]
    login(client, consultant)
    home = client.get("/").data.decode()
    assert 'data-testid="portfolio"' in home and "Client 00" in home
    sponsor = make_member(org, Role.SPONSOR)
    login(client, sponsor)
    assert client.get("/portfolio").status_code == 403
    assert client.get("/portfolio.xlsx").status_code == 403


def test_page_sorts_filters_and_exports_xlsx(client, login, consultant, make_org, make_user):
    make_clients(3, consultant, make_org, make_user)
    login(client, consultant)
    page = client.get("/portfolio?industry=Energy&sort=name&dir=desc").data.decode()
    assert "Client 01" in page and "Client 00" not in page
    response = client.get("/portfolio.xlsx?sort=name&dir=desc")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == "Organisation"
    assert [sheet.cell(row=i, column=1).value for i in (2, 3, 4)] == ["Client 02", "Client 01", "Client 00"]
    assert client.get("/portfolio?sort=nonsense&dir=sideways&industry=%00").status_code == 200


def test_formula_like_names_stay_text_in_the_export(client, login, consultant, make_org):
    make_org(name="=HYPERLINK(\"http://x\")", consultant=consultant)
    login(client, consultant)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/portfolio.xlsx").data)).active
    assert sheet["A2"].data_type == "s"
