"""Access table for the register blueprint: every endpoint, who may use it, and its arguments."""
from datetime import date

from cxgov.orgs.models import EDIT_REGISTER, READ
from tests.access import Access


def build(org, world) -> dict[str, int]:
    """One row of each register table in ``org`` (made through the services, so with history)."""
    from cxgov.register import services

    person = services.person_create(org=org, name="Åsa Ström", email=f"asa@{org.slug}.example", by=None)
    other = services.person_create(org=org, name="Øystein Berg", email=f"oystein@{org.slug}.example", by=None)
    channel = services.channel_create(org=org, name="Phone", kind="phone", manager=person, by=None)
    journey = services.journey_create(org=org, name="Move in", owner=person, by=None)
    touchpoint = services.touchpoint_create(org=org, journey=journey, channel=channel, name="Sign up",
                                            owner=person, by=None)
    cx_role = services.cx_role_create(org=org, person=person, role="ambassador", since=date(2024, 1, 1), by=None)
    mandate = services.mandate_create(org=org, holder="Agents", decision="Credit a fee", limit="500 SEK",
                                      channel=channel, by=None)
    return {"reg_person": person.id, "reg_other": other.id, "reg_channel": channel.id, "reg_journey": journey.id,
            "reg_touchpoint": touchpoint.id, "reg_role": cx_role.id, "reg_mandate": mandate.id}


def _tp(ids):
    return {"touchpoint_id": ids["reg_touchpoint"]}


def _person(ids):
    return {"person_id": ids["reg_person"]}


def _channel(ids):
    return {"channel_id": ids["reg_channel"]}


def _journey(ids):
    return {"journey_id": ids["reg_journey"]}


def _role(ids):
    return {"role_id": ids["reg_role"]}


def _mandate(ids):
    return {"mandate_id": ids["reg_mandate"]}


def _touchpoint_data(ids):
    return {"journey_id": ids["reg_journey"], "channel_id": ids["reg_channel"], "name": "Sign the contract",
            "stage": "Buy", "owner_id": ids["reg_other"]}


ACCESS = {
    "register.index": Access(READ),
    "register.health": Access(READ),
    "register.matrix": Access(READ),
    "register.history": Access(READ),
    "register.entity_history": Access(READ, args=lambda ids: {"kind": "touchpoint", "entity_id": ids["reg_touchpoint"]}),
    # touchpoints
    "register.touchpoints": Access(READ, query={"q": "sign", "sort": "owner", "dir": "desc"}),
    "register.touchpoint": Access(READ, args=_tp),
    "register.touchpoint_new": Access(EDIT_REGISTER, "POST", data=_touchpoint_data),
    "register.touchpoint_edit": Access(EDIT_REGISTER, "POST", args=_tp,
                                       data=lambda ids: {**_touchpoint_data(ids), "name": "Sign up online"}),
    "register.touchpoint_deactivate": Access(EDIT_REGISTER, "POST", args=_tp),
    "register.touchpoint_reactivate": Access(EDIT_REGISTER, "POST", args=_tp),
    # people
    "register.people": Access(READ, query={"status": "all"}),
    "register.person": Access(READ, args=_person),
    "register.person_new": Access(EDIT_REGISTER, "POST", data=lambda ids: {"name": "Nils Ek", "email": "nils@ek.example"}),
    "register.person_edit": Access(EDIT_REGISTER, "POST", args=_person, data=lambda ids: {"name": "Åsa Ström-Berg"}),
    "register.person_remove": Access(EDIT_REGISTER, "POST", args=_person,
                                     data=lambda ids: {"ownership": "reassign", "reassign_to": ids["reg_other"]}),
    "register.person_reactivate": Access(EDIT_REGISTER, "POST", args=_person),
    # channels
    "register.channels": Access(READ),
    "register.channel_new": Access(EDIT_REGISTER, "POST", data=lambda ids: {"name": "Chat", "kind": "chat"}),
    "register.channel_edit": Access(EDIT_REGISTER, "POST", args=_channel,
                                    data=lambda ids: {"name": "Phone line", "kind": "phone", "manager_id": ids["reg_other"]}),
    "register.channel_deactivate": Access(EDIT_REGISTER, "POST", args=_channel),
    "register.channel_reactivate": Access(EDIT_REGISTER, "POST", args=_channel),
    # journeys
    "register.journeys": Access(READ),
    "register.journey_new": Access(EDIT_REGISTER, "POST", data=lambda ids: {"name": "Move out"}),
    "register.journey_edit": Access(EDIT_REGISTER, "POST", args=_journey,
                                    data=lambda ids: {"name": "Moving in", "owner_id": ids["reg_other"]}),
    "register.journey_deactivate": Access(EDIT_REGISTER, "POST", args=_journey),
    "register.journey_reactivate": Access(EDIT_REGISTER, "POST", args=_journey),
    # CX roles
    "register.roles": Access(READ, query={"status": "all", "sort": "person"}),
    "register.role_new": Access(EDIT_REGISTER, "POST", data=lambda ids: {
        "person_id": ids["reg_other"], "role": "customer_board", "since": "2025-01-01"}),
    "register.role_edit": Access(EDIT_REGISTER, "POST", args=_role, data=lambda ids: {
        "person_id": ids["reg_person"], "role": "ambassador", "since": "2024-02-01"}),
    "register.role_end": Access(EDIT_REGISTER, "POST", args=_role),
    "register.role_reactivate": Access(EDIT_REGISTER, "POST", args=_role),
    # mandates
    "register.mandates": Access(READ),
    "register.mandate_new": Access(EDIT_REGISTER, "POST", data=lambda ids: {
        "holder": "Store staff", "decision": "Waive a fee", "limit": "one a year"}),
    "register.mandate_edit": Access(EDIT_REGISTER, "POST", args=_mandate, data=lambda ids: {
        "holder": "Agents", "decision": "Credit a fee", "limit": "1,000 SEK", "channel_id": ids["reg_channel"]}),
    "register.mandate_deactivate": Access(EDIT_REGISTER, "POST", args=_mandate),
    "register.mandate_reactivate": Access(EDIT_REGISTER, "POST", args=_mandate),
    # inline owner assignment (from lists, matrix, health checks, person pages)
    "register.owner_assign": Access(EDIT_REGISTER, "POST", data=lambda ids: {
        "kind": "touchpoint", "entity_id": ids["reg_touchpoint"], "version_id": "1", "owner_id": ids["reg_other"],
        "next": "/"}),
}
