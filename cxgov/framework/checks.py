"""The register health checks a framework practice may cite as objective evidence.

The keys are the contract between ``assessments/*.yaml`` (``register_checks:``) and the
register's health-check functions; the loader rejects a key that is not listed here.
"""

from __future__ import annotations

from ..messages import N_

#: check key -> one-line description (English, marked with N_ for extraction; the UI translates through gettext)
REGISTER_CHECKS: dict[str, str] = {
    "touchpoints_unowned": N_("Every touchpoint has an owner"),
    "journeys_unowned": N_("Every journey has an owner"),
    "channels_without_manager": N_("Every channel has a channel manager"),
    "sponsor": N_("Exactly one active CX sponsor"),
    "ambassadors_per_channel": N_("At least as many ambassadors as channels"),
    "customer_board": N_("A customer board with at least three members"),
    "insight_manager": N_("An insight manager is named"),
    "complaints_channel": N_("A complaints channel exists"),
    "omnichannel_lead": N_("One person is responsible for all channels"),
    "service_promise": N_("The service promise is written down"),
    "delegated_mandates": N_("Delegated mandates are defined"),
    "inactive_owners": N_("No inactive person owns anything"),
    "owner_concentration": N_("No one owns more than a quarter of all touchpoints"),
    "touchpoints_reviewed": N_("Touchpoints reviewed within the last two quarters"),
}

#: A practice's ``owner_hint`` (who usually owns its next step) -> how people read it. The keys
#: are every hint a framework may name (the loader refuses others); English, marked with N_,
#: translated by each reader's own gettext (pages, the report, workers).
OWNER_HINT_LABELS: dict[str, str] = {
    "sponsor": N_("CX sponsor"),
    "insight_manager": N_("Insight manager"),
    "channel_manager": N_("Channel manager"),
    "omnichannel_lead": N_("Omnichannel lead"),
    "journey_owner": N_("Journey owner"),
    "ambassador": N_("CX ambassadors"),
    "customer_board": N_("Customer board"),
    "cx_team": N_("CX team"),
    "hr": N_("HR manager"),
    "leadership": N_("Management team"),
}

#: A practice's ``owner_hint`` -> the register's CX role whose active holder owns such a step.
#: (channel_manager and journey_owner are answered from channels and journeys; hr and
#: leadership have no register role.)
OWNER_HINT_ROLES: dict[str, str] = {
    "sponsor": "cx_sponsor",
    "insight_manager": "insight_manager",
    "omnichannel_lead": "omnichannel_lead",
    "ambassador": "ambassador",
    "customer_board": "customer_board",
    "cx_team": "cx_team",
}
