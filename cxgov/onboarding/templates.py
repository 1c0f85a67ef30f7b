"""Start a register from an industry template: typical journeys and channels, no people.

Templates are data files (``industry/*.yaml``), validated on load. Applying one adds only
the journeys and channels the register does not have yet (by name), through the register's
own services, so history records each row and applying twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import func, select

from ..auth.models import User
from ..extensions import db
from ..orgs.models import Organisation
from ..register import services
from ..register.models import CHANNEL_KINDS, Channel, Journey

TEMPLATE_DIR = Path(__file__).parent / "industry"


@dataclass(frozen=True)
class IndustryTemplate:
    key: str
    name: str
    journeys: tuple[tuple[str, str], ...]  #: (name, description)
    channels: tuple[tuple[str, str], ...]  #: (name, kind)


def _load(path: Path) -> IndustryTemplate:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    journeys = tuple((j["name"], j.get("description", "")) for j in data["journeys"])
    channels = tuple((c["name"], c["kind"]) for c in data["channels"])
    bad = [kind for _, kind in channels if kind not in CHANNEL_KINDS]
    if bad or not journeys or not channels:
        raise ValueError(f"{path.name}: unknown channel kinds {bad} or no journeys/channels")
    return IndustryTemplate(key=data["key"], name=data["name"], journeys=journeys, channels=channels)


@lru_cache(maxsize=1)
def industry_templates() -> tuple[IndustryTemplate, ...]:
    """Return every shipped industry template, by name."""
    return tuple(sorted((_load(p) for p in TEMPLATE_DIR.glob("*.yaml")), key=lambda t: t.name))


def industry_template(key: str) -> IndustryTemplate | None:
    """Return the template ``key``, or None."""
    return next((t for t in industry_templates() if t.key == key), None)


def template_apply(*, org: Organisation, template: IndustryTemplate, by: User | None) -> tuple[int, int]:
    """Add the template's journeys and channels the register lacks; return (journeys, channels) added."""

    have_journeys = set(db.session.scalars(select(func.lower(Journey.name)).where(Journey.org_id == org.id)))
    have_channels = set(db.session.scalars(select(func.lower(Channel.name)).where(Channel.org_id == org.id)))
    added = [0, 0]
    for name, description in template.journeys:
        if name.lower() not in have_journeys:
            services.journey_create(org=org, name=name, description=description, by=by)
            added[0] += 1
    for name, kind in template.channels:
        if name.lower() not in have_channels:
            services.channel_create(org=org, name=name, kind=kind, by=by)
            added[1] += 1
    db.session.flush()
    return added[0], added[1]
