"""Access table for the JSON API: every /api/v1/orgs/<org_slug>/ endpoint, who may use it.

The API never reads the session: ``sign_in`` gives the test client the member's personal
access token (made in ``build``), so the matrix calls the API exactly as a program would.
"""
from cxgov.orgs.models import EDIT_REGISTER, MANAGE, READ
from tests.access import Access

#: (database, user id, e-mail) -> the secret of the token ``build`` made for them (kept by the process,
#: as the snapshot is). The hostile-input test builds its own world in the same database with the same
#: user ids, and its tokens must not replace the ones the tenancy matrix's restored snapshot holds:
#: its users' e-mails differ (hostile<n>@ against user<n>@), so the e-mail tells the two worlds apart.
TOKENS: dict[tuple[str, int, str], str] = {}


def token_key(user) -> tuple[str, int, str]:
    from cxgov.extensions import db

    return str(db.engine.url), user.id, user.email


def build(org, world) -> dict[str, object]:
    """A full-scope token for every member of ``org``, and the framework the org offers."""
    from cxgov.api.tokens import token_create
    from cxgov.framework.catalog import frameworks_for_new_cycle

    for (key, _role), user in world.members.items():
        if world.orgs[key].id == org.id:
            TOKENS[token_key(user)] = token_create(user=user, name="tenancy matrix").secret
    framework = frameworks_for_new_cycle(org)[0]
    return {"api_fw_key": framework.key, "api_fw_version": framework.version, "api_org_slug": org.slug}


def sign_in(client, user) -> None:
    """Send the member's token with every request (the API ignores the session cookie)."""
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {TOKENS[token_key(user)]}"


def _cycle(ids):
    return {"cycle_id": ids["cycle_closed"]}


ROW_IDS = {"people": "reg_person", "channels": "reg_channel", "journeys": "reg_journey",
           "touchpoints": "reg_touchpoint", "cx_roles": "reg_role", "mandates": "reg_mandate"}


def _row(table):
    return lambda ids: {"row_id": ids[ROW_IDS[table]]}


def _if_match(table):
    return lambda ids: {"If-Match": f'"{table}-{ids[ROW_IDS[table]]}-v1"'}


#: a valid new row of each table (references to the same org's register rows)
NEW_ROW = {
    "people": lambda ids: {"name": "Nils Ek", "email": "nils@ek.example"},
    "channels": lambda ids: {"name": "Chat", "kind": "chat"},
    "journeys": lambda ids: {"name": "Move out", "owner_id": ids["reg_other"]},
    "touchpoints": lambda ids: {"journey_id": ids["reg_journey"], "channel_id": ids["reg_channel"],
                                "name": "Sign the contract", "owner_id": ids["reg_other"]},
    "cx_roles": lambda ids: {"person_id": ids["reg_other"], "role": "customer_board", "since": "2025-01-01"},
    "mandates": lambda ids: {"holder": "Store staff", "decision": "Waive a fee", "limit": "one a year"},
}
CHANGE = {
    "people": {"title": "Head of service"}, "channels": {"name": "Phone line"}, "journeys": {"name": "Moving in"},
    "touchpoints": {"stage": "Buy"}, "cx_roles": {"note": "Elected"}, "mandates": {"limit": "1,000 SEK"},
}
BULK = {
    "people": [{"email": "kari@nordmann.example", "name": "Kari Nordmann"}],
    "channels": [{"name": "Store", "kind": "store"}],
    "journeys": [{"name": "Pay a bill", "description": "Monthly"}],
    "touchpoints": [{"journey": "Move in", "channel": "Phone", "name": "Call us"}],
    "cx_roles": lambda ids: [{"person_email": f"asa@{ids['api_org_slug']}.example", "role": "ambassador",
                              "since": "2025-02-01"}],
    "mandates": [{"holder": "Agents", "decision": "Refund postage"}],
}

ACCESS = {
    "api_v1_org.org_read": Access(READ),
    "api_v1_frameworks.framework_list": Access(READ, query={"lang": "sv"}),
    "api_v1_frameworks.framework_read": Access(READ, args=lambda ids: {"key": ids["api_fw_key"],
                                                                      "version": ids["api_fw_version"]}),
    "api_v1_cycles.cycle_list": Access(READ),
    "api_v1_cycles.cycle_read": Access(READ, args=_cycle),
    "api_v1_cycles.cycle_scores": Access(READ, args=_cycle),
    "api_v1_cycles.cycle_perception_gaps": Access(READ, args=_cycle),
    "api_v1_cycles.cycle_targets": Access(READ, args=_cycle),
    "api_v1_cycles.cycle_answers": Access(MANAGE, args=_cycle),
    "api_v1_trend.trend": Access(READ),
}
ACCESS.update({
    "api_v1_health.register_health_read": Access(READ),
    # actions (tests/actions/access.py made a scored cycle with a gap at A2 and one action)
    "api_v1_actions.action_list": Access(READ, query={"status": "open", "limit": "5"}),
    "api_v1_actions.action_read": Access(READ, args=lambda ids: {"action_id": ids["action"]}),
    "api_v1_actions.action_create_from_gap": Access(MANAGE, "POST", json=lambda ids: {
        "cycle_id": ids["action_cycle"], "practice_id": "A2"}),
    "api_v1_actions.action_update": Access(MANAGE, "PATCH", args=lambda ids: {"action_id": ids["action"]},
                                           json=lambda ids: {"status": "in_progress"},
                                           headers=lambda ids: {"If-Match": f'"action-{ids["action"]}-v1"'}),
    "api_v1_actions.action_note_add": Access(EDIT_REGISTER, "POST", args=lambda ids: {"action_id": ids["action"]},
                                             json=lambda ids: {"text": "Draft charter shared"}),
    "api_v1_followup.cycle_followup": Access(READ, args=lambda ids: {"cycle_id": ids["action_cycle"]}),
    # reports (tests/reports/access.py issued version 1 of a closed cycle's report)
    "api_v1_reports.report_list": Access(READ),
    "api_v1_reports.report_read": Access(READ, args=lambda ids: {"cycle_id": ids["report_cycle"]}),
    "api_v1_reports.report_pdf": Access(READ, args=lambda ids: {"cycle_id": ids["report_cycle"]}),
    "api_v1_reports.report_word": Access(READ, args=lambda ids: {"cycle_id": ids["report_cycle"]}),
    "api_v1_reports.version_pdf": Access(READ, args=lambda ids: {"cycle_id": ids["report_cycle"], "number": 1}),
    "api_v1_reports.version_word": Access(READ, args=lambda ids: {"cycle_id": ids["report_cycle"], "number": 1}),
})
for _table, _id_key in ROW_IDS.items():
    ACCESS.update({
        f"api_v1_register.{_table}_list": Access(READ, query={"sort": "-updated_at", "limit": "2"}),
        f"api_v1_register.{_table}_read": Access(READ, args=_row(_table)),
        f"api_v1_register.{_table}_create": Access(EDIT_REGISTER, "POST", json=NEW_ROW[_table]),
        f"api_v1_register.{_table}_update": Access(EDIT_REGISTER, "PATCH", args=_row(_table),
                                                   json=lambda ids, t=_table: CHANGE[t], headers=_if_match(_table)),
        f"api_v1_register.{_table}_deactivate": Access(EDIT_REGISTER, "DELETE", args=_row(_table)),
        f"api_v1_register.{_table}_bulk_upsert": Access(EDIT_REGISTER, "POST", json=lambda ids, t=_table: {
            "rows": BULK[t](ids) if callable(BULK[t]) else BULK[t]}),
    })
