"""Register health checks: objective evidence, from the register, for framework practices.

The checks are pure functions over a :class:`RegisterSnapshot` (plain frozen data, no
Flask, no session), so the health page, the cycle scoring and the PDF report all use the
same results. :func:`register_snapshot` loads one organisation's register in six queries,
whatever its size.

One function per key of :data:`cxgov.framework.checks.REGISTER_CHECKS`; each returns a
:class:`CheckResult` with a status:

* ``ok``   – the register shows the practice is in place;
* ``warn`` – partly in place (e.g. a customer board with one or two members);
* ``fail`` – the gap the check looks for;
* ``na``   – not enough data to judge yet (e.g. "every touchpoint has an owner" on a register
  without touchpoints): shown as "not enough data", never as a gap, and left out of the score.

Each result also carries ``progress`` (0-1), the share of its items that pass: 5 of 6
touchpoints owned is 5/6, two of three customer board members is 2/3, a yes/no check is 0 or 1.

Register health score (0-100)::

    score = round_half_up(100 * mean(progress of every check that is not "na"))   (30.5 -> 31)

Every evaluable check weighs the same, and fixing one item of a check moves the score, so
progress is visible. An empty register scores 0: the checks that need something to exist
(a sponsor, a complaints channel, mandates...) fail, the others have no data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from flask import g
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..extensions import db
from ..framework.catalog import framework_catalog
from ..framework.checks import REGISTER_CHECKS
from ..numbers import round_half_up
from .models import Channel, CxRole, DelegatedMandate, Journey, Person, Touchpoint

if TYPE_CHECKING:
    from ..framework.model import Framework
    from ..orgs.models import Organisation

#: A touchpoint not reviewed for longer than this (two quarters) is stale.
REVIEW_MAX_AGE_DAYS = 183
#: A customer board needs at least this many active members.
CUSTOMER_BOARD_MIN = 3
#: Nobody should own more than this share of all active touchpoints.
OWNER_MAX_SHARE = 0.25
#: Below this many touchpoints the concentration check cannot fail: with three touchpoints,
#: anyone owning one already owns more than a quarter.
OWNER_CONCENTRATION_MIN_TOUCHPOINTS = 4

STATUSES = ("ok", "warn", "fail", "na")

#: The register tables a snapshot reads, one query each.
_RegisterModel = type[Person] | type[Channel] | type[Journey] | type[Touchpoint] | type[CxRole] | type[DelegatedMandate]


# --- plain data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    email: str | None
    active: bool


@dataclass(frozen=True)
class ChannelRow:
    id: int
    name: str
    kind: str
    manager_id: int | None
    active: bool


@dataclass(frozen=True)
class JourneyRow:
    id: int
    name: str
    owner_id: int | None
    active: bool


@dataclass(frozen=True)
class TouchpointRow:
    id: int
    name: str
    journey_id: int
    channel_id: int
    owner_id: int | None
    last_reviewed: date | None
    active: bool


@dataclass(frozen=True)
class CxRoleRow:
    id: int
    person_id: int
    role: str
    since: date
    until: date | None

    def is_active(self, today: date) -> bool:
        """Return True when the role is held on ``today``."""
        return self.since <= today and (self.until is None or self.until >= today)


@dataclass(frozen=True)
class MandateRow:
    id: int
    holder: str
    decision: str
    channel_id: int | None
    active: bool


@dataclass(frozen=True)
class RegisterSnapshot:
    """One organisation's register as plain data (every row, active or not)."""

    org_id: int
    service_promise: str
    people: tuple[PersonRow, ...] = ()
    channels: tuple[ChannelRow, ...] = ()
    journeys: tuple[JourneyRow, ...] = ()
    touchpoints: tuple[TouchpointRow, ...] = ()
    roles: tuple[CxRoleRow, ...] = ()
    mandates: tuple[MandateRow, ...] = ()

    @cached_property
    def people_by_id(self) -> dict[int, PersonRow]:
        return {p.id: p for p in self.people}

    @cached_property
    def journeys_by_id(self) -> dict[int, JourneyRow]:
        return {j.id: j for j in self.journeys}

    @cached_property
    def channels_by_id(self) -> dict[int, ChannelRow]:
        return {c.id: c for c in self.channels}

    def person(self, person_id: int | None) -> PersonRow | None:
        """Return the person with ``person_id``, if any."""
        return self.people_by_id.get(person_id) if person_id is not None else None

    def touchpoint_label(self, row: TouchpointRow) -> str:
        """Return "name (journey · channel)", the way lists name a touchpoint."""
        journey = self.journeys_by_id.get(row.journey_id)
        channel = self.channels_by_id.get(row.channel_id)
        return f"{row.name} ({journey.name if journey else '?'} · {channel.name if channel else '?'})"

    def active_touchpoints(self) -> list[TouchpointRow]:
        """Return the touchpoints that count: active, on an active journey and channel."""
        journeys = {j.id for j in self.journeys if j.active}
        channels = {c.id for c in self.channels if c.active}
        return [t for t in self.touchpoints if t.active and t.journey_id in journeys and t.channel_id in channels]

    def active_role_holders(self, role: str, today: date) -> list[PersonRow]:
        """Return the active people holding ``role`` on ``today``, each once, by name."""
        people = self.people_by_id
        ids = {r.person_id for r in self.roles if r.role == role and r.is_active(today)}
        holders = [people[i] for i in ids if i in people and people[i].active]
        return sorted(holders, key=lambda p: (p.name.lower(), p.id))


@dataclass(frozen=True)
class OffendingRow:
    """A register row that makes a check fail; ``kind`` and ``id`` let pages link to it."""

    label: str
    kind: str  #: "touchpoint", "journey", "channel", "person", "cx_role" or "delegated_mandate"
    id: int


@dataclass(frozen=True)
class CheckResult:
    key: str
    title: str  #: English; pages translate it
    status: str  #: "ok", "warn", "fail" or "na" (not enough data to judge)
    count: int  #: how many things are wrong (0 when ok)
    offending: list[OffendingRow] = field(default_factory=list)
    practice_ids: tuple[str, ...] = ()  #: framework practices this check evidences
    detail: str = ""  #: one English sentence with the numbers behind the status
    #: share of the check's items that pass, 0-1 (None when the check has no data: status "na")
    progress: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def evaluable(self) -> bool:
        """Return False when the register has not enough data for this check yet."""
        return self.status != "na"


@dataclass(frozen=True)
class HealthReport:
    #: A tuple: the report is shared across requests by the register memo, keyed by its digest.
    results: tuple[CheckResult, ...]
    score: int  #: 0-100, see the module docstring

    def result(self, key: str) -> CheckResult:
        """Return the result of check ``key``."""
        for result in self.results:
            if result.key == key:
                return result
        raise KeyError(key)

    @property
    def failing(self) -> list[CheckResult]:
        """Return the checks that do not pass (fail or warn); "not enough data" is no gap."""
        return [r for r in self.results if r.status in ("fail", "warn")]

    def counts(self) -> dict[str, int]:
        """Return how many checks have each status."""
        tally = Counter(r.status for r in self.results)
        return {status: tally.get(status, 0) for status in STATUSES}


# --- the checks ---------------------------------------------------------------------------

#: (status, count, offending rows, detail, progress 0-1 or None for "na")
CheckOutcome = tuple[str, int, list[OffendingRow], str, float | None]
CheckFn = Callable[[RegisterSnapshot, date], CheckOutcome]
CHECK_FUNCTIONS: dict[str, CheckFn] = {}


def _check(key: str) -> Callable[[CheckFn], CheckFn]:
    if key not in REGISTER_CHECKS:
        raise KeyError(f"{key} is not in REGISTER_CHECKS")

    def register(fn: CheckFn) -> CheckFn:
        CHECK_FUNCTIONS[key] = fn
        return fn

    return register


def _people_rows(people: list[PersonRow]) -> list[OffendingRow]:
    return [OffendingRow(p.name, "person", p.id) for p in people]


def _share(passing: int, total: int) -> float:
    """Return passing / total, the check's progress (1.0 when there is nothing to judge)."""
    return passing / total if total else 1.0


@_check("touchpoints_unowned")
def check_touchpoints_unowned(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Fail for every active touchpoint without an owner; not enough data without touchpoints."""
    touchpoints = snap.active_touchpoints()
    if not touchpoints:
        return "na", 0, [], _("No touchpoints are registered yet."), None
    bad = [OffendingRow(snap.touchpoint_label(t), "touchpoint", t.id) for t in touchpoints if t.owner_id is None]
    return (
        ("fail" if bad else "ok"),
        len(bad),
        bad,
        ngettext(
            "%(bad)d of %(num)d touchpoint has no owner.",
            "%(bad)d of %(num)d touchpoints have no owner.",
            len(touchpoints),
            bad=len(bad),
        ),
        _share(len(touchpoints) - len(bad), len(touchpoints)),
    )


@_check("journeys_unowned")
def check_journeys_unowned(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Fail for every active journey without an owner; not enough data without journeys."""
    journeys = [j for j in snap.journeys if j.active]
    if not journeys:
        return "na", 0, [], _("No journeys are registered yet."), None
    bad = [OffendingRow(j.name, "journey", j.id) for j in journeys if j.owner_id is None]
    return (
        ("fail" if bad else "ok"),
        len(bad),
        bad,
        ngettext(
            "%(bad)d of %(num)d journey has no owner.",
            "%(bad)d of %(num)d journeys have no owner.",
            len(journeys),
            bad=len(bad),
        ),
        _share(len(journeys) - len(bad), len(journeys)),
    )


@_check("channels_without_manager")
def check_channels_without_manager(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Fail for every active channel without a manager; not enough data without channels."""
    channels = [c for c in snap.channels if c.active]
    if not channels:
        return "na", 0, [], _("No channels are registered yet."), None
    bad = [OffendingRow(c.name, "channel", c.id) for c in channels if c.manager_id is None]
    return (
        ("fail" if bad else "ok"),
        len(bad),
        bad,
        ngettext(
            "%(bad)d of %(num)d channel has no manager.",
            "%(bad)d of %(num)d channels have no manager.",
            len(channels),
            bad=len(bad),
        ),
        _share(len(channels) - len(bad), len(channels)),
    )


@_check("sponsor")
def check_sponsor(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Pass with exactly one active CX sponsor; fail with none or several (list them)."""
    sponsors = snap.active_role_holders("cx_sponsor", today)
    if len(sponsors) == 1:
        return "ok", 0, [], _("%(name)s is the CX sponsor.", name=sponsors[0].name), 1.0
    if not sponsors:
        return "fail", 1, [], _("Nobody holds the CX sponsor role."), 0.0
    # Several sponsors is half-way: the responsibility is held, but by nobody in particular.
    return (
        "fail",
        len(sponsors),
        _people_rows(sponsors),
        ngettext(
            "%(num)d person holds the CX sponsor role at once.",
            "%(num)d people hold the CX sponsor role at once.",
            len(sponsors),
        ),
        0.5,
    )


@_check("ambassadors_per_channel")
def check_ambassadors(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Fail when there are fewer active ambassadors than active channels (count = shortfall)."""
    ambassadors = snap.active_role_holders("ambassador", today)
    channels = [c for c in snap.channels if c.active]
    # Two counts in one sentence: the plural follows the ambassadors; the channels are a noun phrase.
    detail = ngettext(
        "%(num)d ambassador for %(channels)s.",
        "%(num)d ambassadors for %(channels)s.",
        len(ambassadors),
        channels=ngettext("%(num)d channel", "%(num)d channels", len(channels)),
    )
    if not channels:
        return "na", 0, [], _("No channels are registered yet, so ambassadors cannot be counted against them."), None
    short = len(channels) - len(ambassadors)
    return (
        ("fail" if short > 0 else "ok"),
        max(short, 0),
        [],
        detail,
        _share(min(len(ambassadors), len(channels)), len(channels)),
    )


@_check("customer_board")
def check_customer_board(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Pass with at least three active board members; warn with one or two; fail with none."""
    members = snap.active_role_holders("customer_board", today)
    detail = ngettext(
        "The customer board has %(num)d member (at least %(needed)d needed).",
        "The customer board has %(num)d members (at least %(needed)d needed).",
        len(members),
        needed=CUSTOMER_BOARD_MIN,
    )
    if len(members) >= CUSTOMER_BOARD_MIN:
        return "ok", 0, [], detail, 1.0
    return (
        ("warn" if members else "fail"),
        CUSTOMER_BOARD_MIN - len(members),
        [],
        detail,
        len(members) / CUSTOMER_BOARD_MIN,
    )


@_check("insight_manager")
def check_insight_manager(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Pass when at least one active person is insight manager."""
    managers = snap.active_role_holders("insight_manager", today)
    if managers:
        return (
            "ok",
            0,
            [],
            ngettext(
                "%(names)s holds the insight manager role.",
                "%(names)s hold the insight manager role.",
                len(managers),
                names=", ".join(p.name for p in managers),
            ),
            1.0,
        )
    return "fail", 1, [], _("Nobody holds the insight manager role."), 0.0


@_check("complaints_channel")
def check_complaints_channel(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Pass when an active channel of kind "complaints" exists."""
    found = [c for c in snap.channels if c.active and c.kind == "complaints"]
    if found:
        return "ok", 0, [], _("Complaints channel: %(name)s.", name=found[0].name), 1.0
    return "fail", 1, [], _("No active channel has the kind “complaints”."), 0.0


@_check("omnichannel_lead")
def check_omnichannel_lead(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Pass with exactly one active omnichannel lead; fail with none, warn with several."""
    leads = snap.active_role_holders("omnichannel_lead", today)
    if len(leads) == 1:
        return "ok", 0, [], _("%(name)s is responsible for all channels.", name=leads[0].name), 1.0
    if not leads:
        return "fail", 1, [], _("Nobody is responsible for all channels (omnichannel lead)."), 0.0
    return (
        "warn",
        len(leads),
        _people_rows(leads),
        ngettext(
            "%(num)d person shares the omnichannel lead role.",
            "%(num)d people share the omnichannel lead role.",
            len(leads),
        ),
        0.5,
    )


@_check("service_promise")
def check_service_promise(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Pass when the organisation's service promise text is written down."""
    if snap.service_promise.strip():
        return "ok", 0, [], _("The service promise is written down."), 1.0
    return "fail", 1, [], _("The organisation settings have no service promise text."), 0.0


@_check("delegated_mandates")
def check_delegated_mandates(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Pass when at least one active delegated mandate is defined."""
    mandates = [m for m in snap.mandates if m.active]
    if mandates:
        return (
            "ok",
            0,
            [],
            ngettext("%(num)d delegated mandate is defined.", "%(num)d delegated mandates are defined.", len(mandates)),
            1.0,
        )
    return "fail", 1, [], _("No delegated mandates are defined."), 0.0


@_check("inactive_owners")
def check_inactive_owners(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Fail for every active journey, channel and touchpoint owned by an inactive person."""
    inactive = {p.id: p for p in snap.people if not p.active}
    owned_journeys = [j for j in snap.journeys if j.active and j.owner_id is not None]
    owned_channels = [c for c in snap.channels if c.active and c.manager_id is not None]
    owned_touchpoints = [t for t in snap.active_touchpoints() if t.owner_id is not None]
    owned = len(owned_journeys) + len(owned_channels) + len(owned_touchpoints)
    if not owned:
        return "na", 0, [], _("Nothing has an owner yet."), None
    bad: list[OffendingRow] = []
    for j in owned_journeys:
        if j.owner_id in inactive:
            bad.append(OffendingRow(f"{j.name} – {inactive[j.owner_id].name}", "journey", j.id))
    for c in owned_channels:
        if c.manager_id in inactive:
            bad.append(OffendingRow(f"{c.name} – {inactive[c.manager_id].name}", "channel", c.id))
    for t in owned_touchpoints:
        if t.owner_id in inactive:
            bad.append(OffendingRow(f"{snap.touchpoint_label(t)} – {inactive[t.owner_id].name}", "touchpoint", t.id))
    owners = len(
        {j.owner_id for j in owned_journeys if j.owner_id in inactive}
        | {c.manager_id for c in owned_channels if c.manager_id in inactive}
        | {t.owner_id for t in owned_touchpoints if t.owner_id in inactive}
    )
    # Two counts: the sentence follows the number of things; the owners are a noun phrase of their own.
    detail = (
        ngettext(
            "%(num)d thing is owned by %(owners)s.",
            "%(num)d things are owned by %(owners)s.",
            len(bad),
            owners=ngettext("%(num)d inactive person", "%(num)d inactive people", owners),
        )
        if bad
        else _("Nothing is owned by an inactive person.")
    )
    return ("fail" if bad else "ok"), len(bad), bad, detail, _share(owned - len(bad), owned)


@_check("owner_concentration")
def check_owner_concentration(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Fail for every person owning more than a quarter of all active touchpoints."""
    touchpoints = snap.active_touchpoints()
    total = len(touchpoints)
    if total < OWNER_CONCENTRATION_MIN_TOUCHPOINTS:
        return (
            "na",
            0,
            [],
            ngettext(
                "Only %(num)d touchpoint: too few to judge concentration.",
                "Only %(num)d touchpoints: too few to judge concentration.",
                total,
            ),
            None,
        )
    owned = Counter(t.owner_id for t in touchpoints if t.owner_id is not None)
    over = [(snap.person(pid), n) for pid, n in owned.items() if n > OWNER_MAX_SHARE * total]
    heavy = sorted(((p, n) for p, n in over if p is not None), key=lambda item: (-item[1], item[0].name))
    bad = [
        OffendingRow(_("%(name)s (%(owned)d of %(total)d)", name=p.name, owned=n, total=total), "person", p.id)
        for p, n in heavy
    ]
    top = max(owned.values(), default=0)
    # Progress: the share of touchpoints not held by an over-loaded owner.
    overload = sum(n for _, n in heavy)
    return (
        ("fail" if bad else "ok"),
        len(bad),
        bad,
        ngettext(
            "The largest owner has %(top)d of %(num)d touchpoint.",
            "The largest owner has %(top)d of %(num)d touchpoints.",
            total,
            top=top,
        ),
        _share(total - overload, total),
    )


@_check("touchpoints_reviewed")
def check_touchpoints_reviewed(snap: RegisterSnapshot, today: date) -> CheckOutcome:
    """Fail for every active touchpoint never reviewed or last reviewed over 183 days ago."""
    touchpoints = snap.active_touchpoints()
    if not touchpoints:
        return "na", 0, [], _("No touchpoints are registered yet."), None
    cutoff = today - timedelta(days=REVIEW_MAX_AGE_DAYS)
    stale = [t for t in touchpoints if t.last_reviewed is None or t.last_reviewed < cutoff]
    stale.sort(key=lambda t: (t.last_reviewed or date.min, t.id))
    bad = [OffendingRow(snap.touchpoint_label(t), "touchpoint", t.id) for t in stale]
    return (
        ("fail" if bad else "ok"),
        len(bad),
        bad,
        ngettext(
            "%(bad)d of %(num)d touchpoint was not reviewed since %(date)s.",
            "%(bad)d of %(num)d touchpoints were not reviewed since %(date)s.",
            len(touchpoints),
            bad=len(bad),
            date=cutoff.isoformat(),
        ),
        _share(len(touchpoints) - len(bad), len(touchpoints)),
    )


# --- running them -------------------------------------------------------------------------

#: The framework whose practices cite the register checks (its newest version in the catalogue).
HEALTH_FRAMEWORK_KEY = "cx-governance"


def practice_map(framework: "Framework | None" = None) -> dict[str, tuple[str, ...]]:
    """Return check key -> ids of the practices that cite it.

    By default from the app's framework catalogue (so ``CXGOV_ASSESSMENTS_DIR`` and uploads
    count), not from the YAML file shipped in the repository.
    """
    if framework is None:
        # Once per request: a page may check many organisations, and asking the catalogue
        # whether it is still fresh costs a query.
        if "cxgov_health_practice_map" not in g:
            shipped = framework_catalog().get(HEALTH_FRAMEWORK_KEY)
            g.cxgov_health_practice_map = practice_map(shipped) if shipped is not None else {}
        return dict(g.cxgov_health_practice_map)
    mapping: dict[str, list[str]] = {}
    for practice in framework.practices:
        for key in practice.register_checks:
            mapping.setdefault(key, []).append(practice.id)
    return {key: tuple(ids) for key, ids in mapping.items()}


_STATUS_PROGRESS = {"ok": 1.0, "warn": 0.5, "fail": 0.0}


def health_score(results: Sequence[CheckResult]) -> int:
    """Return the 0-100 register health score: the mean progress of the evaluable checks.

    A result without ``progress`` counts by its status (ok 1, warn 1/2, fail 0); "na" results
    are left out; no evaluable check at all scores 0.
    """
    points = [r.progress if r.progress is not None else _STATUS_PROGRESS[r.status] for r in results if r.status != "na"]
    if not points:
        return 0
    return int(round_half_up(100 * sum(points) / len(points)))


def run_health_checks(
    snapshot: RegisterSnapshot, today: date, practices: Mapping[str, tuple[str, ...]] | None = None
) -> HealthReport:
    """Run every check of REGISTER_CHECKS over ``snapshot``, in their documented order."""
    practices = practice_map() if practices is None else practices
    results = []
    for key, title in REGISTER_CHECKS.items():
        status, count, offending, detail, progress = CHECK_FUNCTIONS[key](snapshot, today)
        results.append(
            CheckResult(
                key=key,
                title=title,
                status=status,
                count=count,
                offending=offending,
                practice_ids=tuple(practices.get(key, ())),
                detail=detail,
                progress=progress,
            )
        )
    return HealthReport(results=tuple(results), score=health_score(results))


def register_snapshot(org: "Organisation") -> RegisterSnapshot:
    """Load ``org``'s register as plain data in six queries (one per table)."""
    return register_snapshots([org])[org.id]


def register_snapshots(orgs: "list[Organisation]") -> dict[int, RegisterSnapshot]:
    """Load the registers of several organisations in six queries in all (the portfolio's need)."""
    ids = [org.id for org in orgs]

    def rows(*columns: Any, model: _RegisterModel) -> dict[int, list[tuple[Any, ...]]]:
        grouped: dict[int, list[tuple[Any, ...]]] = {org_id: [] for org_id in ids}
        if ids:
            for row in db.session.execute(
                select(model.org_id, *columns).where(model.org_id.in_(ids)).order_by(model.id)
            ):
                grouped[row[0]].append(tuple(row[1:]))
        return grouped

    people = rows(Person.id, Person.name, Person.email, Person.active, model=Person)
    channels = rows(Channel.id, Channel.name, Channel.kind, Channel.manager_id, Channel.active, model=Channel)
    journeys = rows(Journey.id, Journey.name, Journey.owner_id, Journey.active, model=Journey)
    touchpoints = rows(
        Touchpoint.id,
        Touchpoint.name,
        Touchpoint.journey_id,
        Touchpoint.channel_id,
        Touchpoint.owner_id,
        Touchpoint.last_reviewed,
        Touchpoint.active,
        model=Touchpoint,
    )
    roles = rows(CxRole.id, CxRole.person_id, CxRole.role, CxRole.since, CxRole.until, model=CxRole)
    mandates = rows(
        DelegatedMandate.id,
        DelegatedMandate.holder,
        DelegatedMandate.decision,
        DelegatedMandate.channel_id,
        DelegatedMandate.active,
        model=DelegatedMandate,
    )
    return {
        org.id: RegisterSnapshot(
            org_id=org.id,
            service_promise=org.service_promise or "",
            people=tuple(PersonRow(*r) for r in people[org.id]),
            channels=tuple(ChannelRow(*r) for r in channels[org.id]),
            journeys=tuple(JourneyRow(*r) for r in journeys[org.id]),
            touchpoints=tuple(TouchpointRow(*r) for r in touchpoints[org.id]),
            roles=tuple(CxRoleRow(*r) for r in roles[org.id]),
            mandates=tuple(MandateRow(*r) for r in mandates[org.id]),
        )
        for org in orgs
    }


def health_framework(org: "Organisation") -> "Framework | None":
    """Return the framework whose practices ``org``'s register checks evidence.

    That is the version of the organisation's newest cycle, so the practice ids the health
    page names are the ones its assessment pages and reports show (an organisation still on
    1.0 sees no practice that only 1.1 has); without a cycle, the newest shipped version.
    """
    from ..cycles.models import Cycle  # here, not at the top: the cycles package reads the register

    newest = db.session.execute(
        select(Cycle.framework_key, Cycle.framework_version)
        .where(Cycle.org_id == org.id)
        .order_by(Cycle.period.desc())
        .limit(1)
    ).first()
    catalog = framework_catalog()
    framework = catalog.get(newest[0], newest[1]) if newest is not None else None
    return framework or catalog.get(HEALTH_FRAMEWORK_KEY)


def register_health(org: "Organisation", today: date | None = None) -> HealthReport:
    """Load ``org``'s register and run every check (today by default).

    The checks name the practices of the organisation's own framework version.
    """
    framework = health_framework(org)
    return run_health_checks(
        register_snapshot(org), today or date.today(), practice_map(framework) if framework is not None else {}
    )


def failing_check_keys(org: "Organisation", today: date | None = None) -> frozenset[str]:
    """Return the keys of the checks that do not pass (fail or warn) for ``org`` today."""
    return frozenset(r.key for r in register_health(org, today).failing)
