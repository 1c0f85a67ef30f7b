"""The demo register: Nordlys Energi's people, channels, journeys, touchpoints, roles and mandates.

Built through the register services (so it has a history), deterministically
(``random.Random(4)``), with a few deliberate gaps the health page shows:
six unowned touchpoints, a channel without a manager, an inactive person who still
owns things, touchpoints not reviewed for a year, fewer ambassadors than channels, and
no insight manager.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta

from ..demo import DEMO_AMBASSADOR, DEMO_MEMBERS, DemoContext, demo_step
from . import services
from .models import Channel, Journey, Person

#: (name, title, department, e-mail or None for a generated one); the first twelve are the
#: demo members, linked to their accounts by e-mail.
PEOPLE: list[tuple[str, str, str]] = [
    ("Karin Ångström", "Chief Customer Officer", "Executive"),
    ("Jonas Bæk", "CX Ambassador, Customer Service", "Customer Service"),
    ("Mette Sørensen", "CEO", "Executive"),
    ("Erik Lindqvist", "CFO", "Finance"),
    ("Sofia Öberg", "Head of Customer Service", "Customer Service"),
    ("Anders Holm", "Head of Sales", "Sales"),
    ("Freja Dahl", "Head of Digital Channels", "Digital"),
    ("Lars Nyström", "Customer Service Agent", "Customer Service"),
    ("Emma Kjær", "Customer Service Agent", "Customer Service"),
    ("Oskar Berg", "Customer Service Agent", "Customer Service"),
    ("Ida Møller", "Customer Service Agent", "Customer Service"),
    ("Nils Åberg", "Store Manager, Trondheim", "Stores"),
    ("Astrid Bjørnsen", "Billing Team Lead", "Billing"),
    ("Björn Eklöf", "Grid Operations Manager", "Operations"),
    ("Sigrid Hæggström", "Complaints Manager", "Customer Service"),
    ("Magnus Frøland", "Product Owner, App", "Digital"),
    ("Linnéa Söderberg", "Web Content Lead", "Digital"),
    ("Henrik Ødegård", "Contract Manager", "Sales"),
    ("Elin Järvinen", "Chat Team Lead", "Customer Service"),
    ("Johan Østergaard", "Store Manager, Göteborg", "Stores"),
    ("Maja Lindström", "Billing Specialist", "Billing"),
    ("Rasmus Kähler", "Move Coordinator", "Customer Service"),
    ("Tove Åkesson", "Marketing Manager", "Marketing"),
    ("Gustav Blåberg", "Outage Communications Lead", "Operations"),
    ("Hanna Närhi", "E-mail Team Lead", "Customer Service"),
    ("Per Sjöberg", "Senior Billing Analyst", "Billing"),
    ("Kristine Dæhlie", "Retention Specialist", "Sales"),
    ("Viktor Strøm", "Field Service Coordinator", "Operations"),
    ("Ingrid Fjällström", "HR Business Partner", "HR"),
    ("Mikkel Grønlund", "Customer Insight Analyst", "Marketing"),
    ("Alva Rönnqvist", "Sales Representative", "Sales"),
    ("Søren Kjeldsen", "IT Service Manager", "IT"),
    ("Ebba Wåhlin", "Legal Counsel", "Legal"),
    ("Thea Løvås", "Onboarding Specialist", "Sales"),
    ("Olle Näslund", "Credit Controller", "Finance"),
    ("Frida Ærø", "UX Designer", "Digital"),
    ("Axel Lundqvist", "Store Associate", "Stores"),
    ("Nora Hjørring", "Community Manager", "Marketing"),
    ("Emil Bäckström", "Quality Coach", "Customer Service"),
    ("Liv Øyen", "Regulatory Affairs Manager", "Legal"),
]

#: (name, kind, manager name or None); the chat channel has no manager (a deliberate gap).
CHANNELS: list[tuple[str, str, str | None]] = [
    ("Customer service phone", "phone", "Sofia Öberg"),
    ("Website", "web", "Linnéa Söderberg"),
    ("Nordlys app", "app", "Magnus Frøland"),
    ("Energy stores", "store", "Nils Åberg"),
    ("E-mail", "email", "Hanna Närhi"),
    ("Chat", "chat", None),
    ("Complaints desk", "complaints", "Sigrid Hæggström"),
]

#: name -> (description, owner, [(touchpoint, stage, desired feeling, KPI, target, hygiene, channels)])
JOURNEYS: dict[str, tuple[str, str, list[tuple[str, str, str, str, str, bool, tuple[str, ...]]]]] = {
    "Move in / Sign up": (
        "From comparing offers to the first day with power in the new home.",
        "Anders Holm",
        [
            (
                "Compare price plans",
                "Discover",
                "I understand what I will pay",
                "Plan page conversion",
                "> 4 %",
                False,
                ("Website", "Nordlys app", "Energy stores", "Chat"),
            ),
            (
                "Sign the contract",
                "Buy",
                "That was quick and safe",
                "Sign-up completion",
                "> 85 %",
                False,
                ("Website", "Nordlys app", "Energy stores", "Customer service phone"),
            ),
            (
                "Welcome message",
                "Start",
                "I feel welcome and know what happens next",
                "Welcome CSAT",
                "≥ 4.3/5",
                False,
                ("E-mail", "Nordlys app"),
            ),
            (
                "Meter reading on move-in day",
                "Start",
                "Nothing to worry about",
                "Readings received in 3 days",
                "> 95 %",
                True,
                ("Nordlys app", "Website", "Customer service phone", "E-mail"),
            ),
            (
                "Confirm start date",
                "Start",
                "Certain that the power is on when I arrive",
                "Start-date errors",
                "< 0.5 %",
                True,
                ("E-mail", "Customer service phone", "Chat"),
            ),
            (
                "Set up direct debit",
                "Start",
                "Effortless",
                "Direct debit share",
                "> 70 %",
                False,
                ("Website", "Nordlys app", "Energy stores"),
            ),
            (
                "Identity check",
                "Buy",
                "Safe without being interrogated",
                "Drop-out at ID step",
                "< 5 %",
                True,
                ("Website", "Nordlys app", "Energy stores", "Customer service phone"),
            ),
            (
                "Questions before signing",
                "Discover",
                "Someone who knows answers me straight away",
                "Answered in first contact",
                "> 85 %",
                False,
                ("Chat", "Customer service phone", "E-mail", "Energy stores"),
            ),
        ],
    ),
    "First bill": (
        "The first invoice: can the customer understand it and trust it?",
        "Astrid Bjørnsen",
        [
            (
                "First invoice arrives",
                "Pay",
                "It matches what I was promised",
                "Billing contacts per 100 new customers",
                "< 8",
                True,
                ("E-mail", "Nordlys app", "Website"),
            ),
            (
                "Explain the invoice",
                "Get help",
                "Now I get it",
                "First contact resolution",
                "> 80 %",
                False,
                ("Customer service phone", "Chat", "E-mail", "Energy stores"),
            ),
            (
                "Correct a wrong reading",
                "Get help",
                "They fixed it without fuss",
                "Corrections within 2 days",
                "> 90 %",
                True,
                ("Customer service phone", "Nordlys app", "Website", "E-mail"),
            ),
            (
                "Payment reminder",
                "Pay",
                "Treated as a grown-up",
                "Reminder complaints",
                "< 1 %",
                True,
                ("E-mail", "Nordlys app"),
            ),
            (
                "Split payment agreement",
                "Pay",
                "Helped, not judged",
                "Agreements kept",
                "> 85 %",
                False,
                ("Customer service phone", "Energy stores", "Chat"),
            ),
            (
                "Invoice in the app",
                "Pay",
                "I see my bill the way I like",
                "App invoice views",
                "> 60 %",
                False,
                ("Nordlys app", "Website"),
            ),
            (
                "Usage compared with last month",
                "Use",
                "In control of my consumption",
                "Usage page visits",
                "> 30 %",
                False,
                ("Nordlys app", "Website", "E-mail"),
            ),
        ],
    ),
    "Change plan": (
        "Switching to a fixed price, a green plan or adding solar.",
        "Anders Holm",
        [
            (
                "Plan recommendation",
                "Discover",
                "They suggest what is good for me",
                "Recommendation uptake",
                "> 15 %",
                False,
                ("Nordlys app", "Website", "E-mail"),
            ),
            (
                "Switch plan",
                "Buy",
                "Done in two minutes",
                "Switch completion",
                "> 90 %",
                False,
                ("Nordlys app", "Website", "Customer service phone", "Energy stores"),
            ),
            (
                "Solar panel consultation",
                "Buy",
                "Expert advice without pressure",
                "Consultation NPS",
                "> 40",
                False,
                ("Energy stores", "Customer service phone", "Website"),
            ),
            (
                "Confirmation of the new plan",
                "Change",
                "Clear about what changed",
                "Confirmation sent same day",
                "100 %",
                True,
                ("E-mail", "Nordlys app"),
            ),
            (
                "Price change notice",
                "Use",
                "Told in time and in plain words",
                "Notice 30 days ahead",
                "100 %",
                True,
                ("E-mail", "Nordlys app", "Website"),
            ),
            (
                "Cancel a plan change",
                "Change",
                "No penalty for changing my mind",
                "Regret handled same day",
                "> 95 %",
                True,
                ("Customer service phone", "Chat", "Website", "Energy stores"),
            ),
        ],
    ),
    "Outage": (
        "When the power goes: information, restoration and follow-up.",
        "Björn Eklöf",
        [
            (
                "Report an outage",
                "Get help",
                "Someone is on it",
                "Time to acknowledge",
                "< 2 min",
                True,
                ("Nordlys app", "Customer service phone", "Website", "Chat"),
            ),
            (
                "Outage status updates",
                "Get help",
                "Kept in the loop",
                "Updates per hour of outage",
                "≥ 1",
                True,
                ("Nordlys app", "Website", "E-mail"),
            ),
            (
                "Estimated restoration time",
                "Get help",
                "I can plan my evening",
                "Estimates within ±30 min",
                "> 75 %",
                False,
                ("Nordlys app", "Website", "Customer service phone"),
            ),
            (
                "Power restored notice",
                "Use",
                "Relieved",
                "Notice within 10 min",
                "> 90 %",
                False,
                ("Nordlys app", "E-mail"),
            ),
            (
                "Outage compensation",
                "Get help",
                "Fairly treated without asking",
                "Automatic payouts",
                "> 95 %",
                False,
                ("E-mail", "Customer service phone", "Complaints desk"),
            ),
            (
                "Planned maintenance notice",
                "Use",
                "Warned well ahead",
                "Notice 5 days ahead",
                "100 %",
                True,
                ("E-mail", "Nordlys app", "Website"),
            ),
            (
                "Outage questions",
                "Get help",
                "A human who knows what is going on",
                "Answer time in outage",
                "< 3 min",
                False,
                ("Chat", "Customer service phone", "Energy stores"),
            ),
        ],
    ),
    "Complaint": (
        "From a dissatisfied customer to a resolved case and a lesson learnt.",
        "Sigrid Hæggström",
        [
            (
                "Make a complaint",
                "Get help",
                "Taken seriously",
                "Complaints acknowledged in 24 h",
                "> 98 %",
                True,
                ("Complaints desk", "Customer service phone", "E-mail", "Website", "Energy stores"),
            ),
            (
                "Case owner contacts the customer",
                "Get help",
                "One person owns my case",
                "Contact within 1 working day",
                "> 95 %",
                False,
                ("Complaints desk", "Customer service phone", "E-mail"),
            ),
            (
                "Resolution and compensation",
                "Get help",
                "It was put right",
                "Resolved within 10 days",
                "> 85 %",
                False,
                ("Complaints desk", "Customer service phone", "E-mail"),
            ),
            (
                "Follow-up survey",
                "Use",
                "They cared how it ended",
                "Complaint CSAT",
                "≥ 3.8/5",
                False,
                ("E-mail", "Nordlys app"),
            ),
            (
                "Escalate to a manager",
                "Get help",
                "My voice reached someone who decides",
                "Escalations resolved in 5 days",
                "> 90 %",
                False,
                ("Complaints desk", "Customer service phone", "Chat", "Energy stores"),
            ),
            (
                "Lessons shared with the team",
                "Use",
                "It won't happen again",
                "Root causes fixed per quarter",
                "≥ 3",
                False,
                ("Complaints desk",),
            ),
        ],
    ),
    "Move out": (
        "Ending the contract when moving abroad or to another supplier.",
        "Kristine Dæhlie",
        [
            (
                "Give notice",
                "Leave",
                "Easy to leave, no tricks",
                "Notice handled in 1 day",
                "> 95 %",
                True,
                ("Website", "Customer service phone", "Nordlys app", "E-mail"),
            ),
            (
                "Final meter reading",
                "Leave",
                "The last reading is right",
                "Final reading disputes",
                "< 2 %",
                True,
                ("Nordlys app", "Customer service phone", "Website"),
            ),
            (
                "Final invoice",
                "Leave",
                "A fair and clear last bill",
                "Final bill contacts",
                "< 5 %",
                True,
                ("E-mail", "Nordlys app"),
            ),
            (
                "Win-back offer",
                "Leave",
                "Respected, not chased",
                "Win-back rate",
                "> 8 %",
                False,
                ("E-mail", "Customer service phone"),
            ),
            ("Goodbye message", "Leave", "Glad I was a customer", "Leaver CSAT", "≥ 4/5", False, ("E-mail",)),
            (
                "Refund of credit balance",
                "Leave",
                "I get my money back without chasing",
                "Refunds within 14 days",
                "> 95 %",
                True,
                ("E-mail", "Customer service phone", "Website"),
            ),
        ],
    ),
}

#: Who usually owns touchpoints in each channel (the journey owner's team fills in).
CHANNEL_TEAMS: dict[str, list[str]] = {
    "Customer service phone": ["Sofia Öberg", "Lars Nyström", "Emma Kjær", "Emil Bäckström", "Rasmus Kähler"],
    "Website": ["Linnéa Söderberg", "Frida Ærø", "Tove Åkesson"],
    "Nordlys app": ["Magnus Frøland", "Frida Ærø", "Thea Løvås"],
    "Energy stores": ["Nils Åberg", "Johan Østergaard", "Axel Lundqvist"],
    "E-mail": ["Hanna Närhi", "Maja Lindström", "Oskar Berg"],
    "Chat": ["Elin Järvinen", "Ida Møller"],
    "Complaints desk": ["Sigrid Hæggström", "Emil Bäckström"],
}

#: Per journey, specialists who own some touchpoints across channels.
JOURNEY_TEAMS: dict[str, list[str]] = {
    "Move in / Sign up": ["Rasmus Kähler", "Thea Løvås", "Henrik Ødegård", "Alva Rönnqvist"],
    "First bill": ["Astrid Bjørnsen", "Maja Lindström", "Per Sjöberg", "Olle Näslund"],
    "Change plan": ["Henrik Ødegård", "Alva Rönnqvist", "Tove Åkesson"],
    "Outage": ["Gustav Blåberg", "Viktor Strøm", "Björn Eklöf"],
    "Complaint": ["Sigrid Hæggström", "Emil Bäckström", "Liv Øyen"],
    "Move out": ["Kristine Dæhlie", "Rasmus Kähler", "Per Sjöberg"],
}

#: (holder, decision, limit, channel or None)
MANDATES: list[tuple[str, str, str, str | None]] = [
    (
        "Customer service agents",
        "Credit a disputed fee or a wrong invoice line without asking a manager",
        "up to 2,000 SEK per case",
        "Customer service phone",
    ),
    ("Complaints handlers", "Offer compensation and a personal apology", "up to 5,000 SEK per case", "Complaints desk"),
    (
        "Store staff",
        "Waive the start-up fee for a customer who moves within our area",
        "one fee per customer",
        "Energy stores",
    ),
    ("Chat agents", "Postpone a due date by up to 14 days", "once a year per customer", "Chat"),
    ("Every front-line employee", "Book a callback from a specialist at a time the customer chooses", "no limit", None),
]

EMAIL_DOMAIN = "nordlys-energi.example"


def _email_for(name: str) -> str:
    """Return a plausible ASCII work e-mail for a Nordic name."""
    folded = name.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return folded.replace(" ", ".") + "@" + EMAIL_DOMAIN


@demo_step
def register_demo(ctx: DemoContext) -> None:
    """Build the demo organisation's register through the register services."""
    rng = random.Random(4)
    org = ctx.org
    by = ctx.members.get(DEMO_AMBASSADOR)
    today = date.today()
    member_emails = {name: email for email, name, _role, _group in DEMO_MEMBERS}

    people: dict[str, Person] = {}
    for name, title, department in PEOPLE:
        email = member_emails.get(name) or _email_for(name)
        user = ctx.members.get(email)
        people[name] = services.person_create(
            org=org, name=name, email=email, title=title, department=department, user=user, by=by
        )

    channels: dict[str, Channel] = {}
    for name, kind, manager in CHANNELS:
        channels[name] = services.channel_create(
            org=org, name=name, kind=kind, manager=people[manager] if manager else None, by=by
        )

    journeys: dict[str, Journey] = {}
    for name, (description, owner_name, _moments) in JOURNEYS.items():
        journeys[name] = services.journey_create(
            org=org, name=name, description=description, owner=people[owner_name], by=by
        )

    touchpoints = []
    for journey_name, (_description, _owner, moments) in JOURNEYS.items():
        for moment, stage, feeling, kpi, target, hygiene, channel_names in moments:
            for channel_name in channel_names:
                pool = CHANNEL_TEAMS[channel_name] + JOURNEY_TEAMS[journey_name]
                owner = people[rng.choice(pool)]
                reviewed = today - timedelta(days=rng.randint(5, 170))
                touchpoints.append(
                    services.touchpoint_create(
                        org=org,
                        journey=journeys[journey_name],
                        channel=channels[channel_name],
                        name=moment,
                        stage=stage,
                        owner=owner,
                        desired_feeling=feeling,
                        kpi=kpi,
                        kpi_target=target,
                        hygiene_factor=hygiene,
                        last_reviewed=reviewed,
                        by=by,
                    )
                )

    # Deliberate gaps: some touchpoints lost their owner, some were not reviewed for a year or never.
    for tp in rng.sample(touchpoints, 6):
        services.touchpoint_update(touchpoint=tp, owner=None, by=by)
    for tp in rng.sample(touchpoints, 14):
        services.touchpoint_update(touchpoint=tp, last_reviewed=today - timedelta(days=rng.randint(330, 420)), by=by)
    for tp in rng.sample(touchpoints, 3):
        services.touchpoint_update(touchpoint=tp, last_reviewed=None, by=by)

    since = date(today.year - 2, 9, 1)
    services.cx_role_create(
        org=org,
        person=people["Karin Ångström"],
        role="cx_sponsor",
        since=since,
        note="Chairs the customer board",
        by=by,
    )
    services.cx_role_create(
        org=org,
        person=people["Freja Dahl"],
        role="omnichannel_lead",
        since=since + timedelta(days=120),
        note="Responsible for all channels",
        by=by,
    )
    for name in ("Jonas Bæk", "Elin Järvinen", "Johan Østergaard", "Thea Løvås", "Emil Bäckström"):
        services.cx_role_create(
            org=org, person=people[name], role="ambassador", since=since + timedelta(days=rng.randint(30, 400)), by=by
        )
    former = services.cx_role_create(
        org=org, person=people["Axel Lundqvist"], role="ambassador", since=since + timedelta(days=60), by=by
    )
    services.cx_role_end(cx_role=former, until=since + timedelta(days=300), by=by)
    for name in ("Karin Ångström", "Mette Sørensen", "Erik Lindqvist", "Sofia Öberg"):
        services.cx_role_create(org=org, person=people[name], role="customer_board", since=since, by=by)
    for name in ("Mikkel Grønlund", "Tove Åkesson"):
        services.cx_role_create(org=org, person=people[name], role="cx_team", since=since + timedelta(days=200), by=by)
    # The insight manager left last year and was never replaced (a deliberate gap).
    services.cx_role_create(
        org=org,
        person=people["Ingrid Fjällström"],
        role="insight_manager",
        since=since,
        until=since + timedelta(days=250),
        note="Moved to HR; not replaced",
        by=by,
    )

    for holder, decision, limit, channel in MANDATES:
        services.mandate_create(
            org=org,
            holder=holder,
            decision=decision,
            limit=limit,
            channel=channels[channel] if channel else None,
            by=by,
        )

    # Per Sjöberg left; HR marked him inactive, but his touchpoints were never handed over.
    services.person_update(person=people["Per Sjöberg"], active=False, by=by)
