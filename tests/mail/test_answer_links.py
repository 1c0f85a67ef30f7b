"""Personal answer links: valid only for their respondent's open cycle, and for nothing else."""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from cxgov.cycles import invitations, services
from cxgov.cycles.models import Answer
from cxgov.extensions import db
from cxgov.ops.gunicorn_logging import redact
from tests.cycles.helpers import make_cycle


def _answers() -> int:
    return db.session.scalar(select(func.count(Answer.id)))


def _issue(respondent) -> str:
    token = invitations.answer_link_issue(respondent=respondent)
    db.session.commit()
    return token


def _save(client, choice="3"):
    return client.post("/answer/save", json={"practice_id": "A1", "choice": choice, "version": 0})


def test_a_live_link_opens_only_its_own_answers(app, team):
    client = app.test_client()
    token = _issue(team["dan"])
    assert client.get(f"/answer/{token}").status_code == 303
    assert _save(client).status_code == 200
    assert db.session.scalar(select(Answer.respondent_id)) == team["dan"].id


def test_wrong_spent_revoked_and_closed_links_answer_404_and_write_nothing(app, team, make_org):
    dan, cycle = team["dan"], team["cycle"]
    client = app.test_client()
    assert client.get("/answer/not-a-token").status_code == 404
    old = _issue(dan)
    new = _issue(dan)  # re-issued: the old link is spent
    assert client.get(f"/answer/{old}").status_code == 404
    assert client.get("/answer/").status_code == 404 and _save(client).status_code == 404

    assert client.get(f"/answer/{new}").status_code == 303
    invitations.answer_link_revoke(respondent=dan)
    db.session.commit()
    assert client.get("/answer/").status_code == 404  # the session ends with the link
    assert _save(client).status_code == 404
    assert client.get(f"/answer/{new}").status_code == 404

    live = _issue(dan)
    assert client.get(f"/answer/{live}").status_code == 303
    services.cycle_close(cycle=cycle, org=team["org"], by=None)
    db.session.commit()
    assert client.get("/answer/").status_code == 404 and _save(client).status_code == 404
    assert client.get(f"/answer/{live}").status_code == 404
    assert _answers() == 0

    # another organisation's open cycle: its own links work, and never for this respondent
    other = make_org()
    other_cycle = make_cycle(other, period="2026-Q4")
    stranger = services.respondent_add_external(cycle=other_cycle, org=other, name="Other",
                                                email="other@example.com", group="front_line")
    other_token = _issue(stranger)
    assert client.get(f"/answer/{other_token}").status_code == 303
    assert _save(client).status_code == 200
    assert db.session.scalar(select(Answer.respondent_id)) == stranger.id


def test_members_have_no_personal_link(app, team):
    member_respondent = services.respondent_for(team["cycle"], team["member"])
    token = _issue(member_respondent)
    assert app.test_client().get(f"/answer/{token}").status_code == 404


def test_a_link_session_grants_nothing_outside_its_answer_pages(app, team):
    client = app.test_client()
    assert client.get(f"/answer/{_issue(team['dan'])}").status_code == 303
    org = team["org"]
    checked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.startswith(("answer_link.", "static")):
            continue
        if rule.endpoint in ("auth.login", "auth.set_password", "health", "mail.unsubscribe",
                             # The API's contract and its reference page are public by design.
                             "api-docs.openapi_json", "api_v1_docs.docs"):
            continue
        values = {name: (org.slug if name == "org_slug"
                         else team["cycle"].id if isinstance(rule._converters.get(name), IntegerConverter)
                         else "x") for name in rule.arguments}
        response = client.get(rule.build(values)[1])
        checked.append(rule.endpoint)
        assert response.status_code in (302, 401, 404), (rule.endpoint, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], rule.endpoint
    assert len(checked) > 30 and "cycles.dashboard" in checked and "register.index" in checked


def test_repeated_wrong_tokens_are_throttled(app, team):
    client = app.test_client()
    for n in range(20):
        assert client.get(f"/answer/wrong-{n}").status_code == 404
    assert client.get("/answer/wrong-again").status_code == 429
    assert client.get(f"/answer/{_issue(team['dan'])}").status_code == 429


def test_link_pages_send_no_referrer_and_tokens_never_reach_the_access_log(app, team):
    client = app.test_client()
    token = _issue(team["dan"])
    assert client.get(f"/answer/{token}").headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/answer/").headers["Referrer-Policy"] == "no-referrer"
    line = f'GET /answer/{token} HTTP/1.1" 303 - "https://mail.example/"'
    assert token not in redact(line) and "/answer/[redacted]" in redact(line)
    assert redact("POST /answer/save HTTP/1.1") == "POST /answer/save HTTP/1.1"
