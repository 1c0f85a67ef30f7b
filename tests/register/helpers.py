"""Small register factories for tests (through the services, so rows have history)."""
from __future__ import annotations

from datetime import date
from typing import Any

from cxgov.extensions import db
from cxgov.register import services


def small_register(org, by=None) -> dict[str, Any]:
    """Two people, two channels, two journeys, three touchpoints, a role and a mandate."""
    anna = services.person_create(org=org, name="Anna Åström", email="anna@x.example", by=by)
    bo = services.person_create(org=org, name="Bo Ørsted", email="bo@x.example", by=by)
    phone = services.channel_create(org=org, name="Phone", kind="phone", manager=anna, by=by)
    web = services.channel_create(org=org, name="Web", kind="web", manager=bo, by=by)
    move_in = services.journey_create(org=org, name="Move in", owner=anna, by=by)
    outage = services.journey_create(org=org, name="Outage", owner=bo, by=by)
    tps = [
        services.touchpoint_create(org=org, journey=move_in, channel=phone, name="Sign up", owner=anna,
                                   last_reviewed=date.today(), by=by),
        services.touchpoint_create(org=org, journey=move_in, channel=web, name="Compare plans", owner=anna, by=by),
        services.touchpoint_create(org=org, journey=outage, channel=web, name="Report outage", owner=bo, by=by),
    ]
    role = services.cx_role_create(org=org, person=anna, role="ambassador", since=date(2024, 1, 1), by=by)
    mandate = services.mandate_create(org=org, holder="Agents", decision="Credit a fee", limit="500 SEK",
                                      channel=phone, by=by)
    db.session.commit()
    return {"anna": anna, "bo": bo, "phone": phone, "web": web, "move_in": move_in, "outage": outage,
            "touchpoints": tps, "role": role, "mandate": mandate}
