"""The spec validates and names every API route; the API's scores are the dashboard's and the report's."""
from __future__ import annotations

import re

from markupsafe import escape

from openapi_spec_validator import validate
from sqlalchemy import select

from cxgov.cycles import services as cycle_services
from cxgov.cycles.models import Cycle
from cxgov.extensions import db
from cxgov.orgs.models import Organisation
from cxgov.reports.selectors import report_context_for_cycle
from tests.api.conftest import bearer


def _spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_spec_is_openapi_31_and_validates(client):
    spec = _spec(client)
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_api_route_is_in_the_spec(app, client):
    spec = _spec(client)
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api_v1_") or rule.endpoint.startswith("api_v1_docs"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<[^>]*?:?{name}>", "{" + name + "}", path)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((path, method))
    assert served and served <= documented, sorted(served - documented)


def test_docs_page_lists_every_operation_without_a_cdn(client):
    spec = _spec(client)
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script" not in html.split("</main>")[0].split("<main")[1]
    assert not re.search(r'(src|href)="(https?:)?//', html)
    for path, item in spec["paths"].items():
        for method in ("get", "post", "patch", "delete"):
            if method in item:
                assert path in html and str(escape(item[method]["summary"])) in html


def test_scores_equal_the_dashboard_and_the_report_for_every_demo_cycle(client, make_token, demo_workspace):
    from cxgov.demo import DEMO_SLUG, DEMO_SPONSOR
    from cxgov.auth.models import User

    org = db.session.scalar(select(Organisation).where(Organisation.slug == DEMO_SLUG))
    sponsor = db.session.scalar(select(User).where(User.email == DEMO_SPONSOR))
    secret = make_token(sponsor)
    cycles = list(db.session.scalars(select(Cycle).where(Cycle.org_id == org.id)))
    assert len(cycles) >= 8
    for cycle in cycles:
        response = client.get(f"/api/v1/orgs/{org.slug}/cycles/{cycle.id}/scores", headers=bearer(secret))
        assert response.status_code == 200, (cycle.period, response.get_json())
        api = response.get_json()
        dashboard = cycle_services.cycle_score(cycle=cycle, org=org)  # what the dashboard view renders
        report = report_context_for_cycle(org, cycle)
        assert api["index"] == dashboard.index == report.summary.index, cycle.period
        report_dims = {section.key: section for section in report.dimensions}
        for dim in api["dimensions"]:
            assert dim["score"] == dashboard.dimension(dim["key"]).score == report_dims[dim["key"]].score
            assert dim["index"] == dashboard.dimension(dim["key"]).index == report_dims[dim["key"]].index
        report_rows = {row.id: row for section in report.dimensions for row in section.practices}
        for practice in api["practices"]:
            expected = dashboard.practice(practice["practice_id"])
            assert (practice["level"], practice["target"], practice["gap"]) == (
                expected.level, expected.target, expected.gap)
            row = report_rows[practice["practice_id"]]
            assert (practice["level"], practice["target"], practice["gap"]) == (row.level, row.target, row.gap)


def test_framework_texts_come_in_the_requested_language(client, make_org, make_member, make_token):
    from cxgov.orgs.models import Role

    org = make_org()
    secret = make_token(make_member(org, Role.VIEWER))
    items = client.get(f"/api/v1/orgs/{org.slug}/frameworks", headers=bearer(secret)).get_json()["items"]
    translated = 0
    for item in items:
        url = f"/api/v1/orgs/{org.slug}/frameworks/{item['key']}/{item['version']}"
        english = client.get(url + "?lang=en", headers=bearer(secret)).get_json()
        for lang in ("sv", "da", "nb"):
            other = client.get(f"{url}?lang={lang}", headers=bearer(secret)).get_json()
            assert other["language"] == lang
            translated += other["practices"][0]["title"] != english["practices"][0]["title"]
    assert translated > 0
