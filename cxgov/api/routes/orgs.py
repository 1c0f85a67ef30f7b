"""Organisations the token may see, with the caller's role in each."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields
from sqlalchemy import select

from ...extensions import db
from ...orgs.models import READ, Membership, Organisation
from ..auth import api_access, current_token
from ..blueprint import api_blueprint

bp = api_blueprint("orgs", __name__, org_scoped=False, description="Organisations the token may reach.")
org_bp = api_blueprint("org", __name__, description="One organisation.")


class OrgSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    industry = fields.String(required=True)
    language = fields.String(required=True)
    role = fields.String(
        required=True, metadata={"description": "Your role: consultant, sponsor, ambassador, respondent or viewer"}
    )


class OrgListSchema(Schema):
    items = fields.List(fields.Nested(OrgSchema), required=True)


def _org(org: Organisation, membership: Membership) -> dict[str, Any]:
    return {
        "slug": org.slug,
        "name": org.name,
        "industry": org.industry,
        "language": org.language,
        "role": membership.role.value,
    }


@bp.route("/orgs")
@bp.response(200, OrgListSchema)
def org_list() -> dict[str, Any]:
    """List the organisations this token may reach (the user's memberships, within the token's scope)."""
    token = current_token()
    query = (
        select(Organisation, Membership)
        .join(Membership, Membership.org_id == Organisation.id)
        .where(Membership.user_id == token.user_id)
        .order_by(Organisation.slug)
    )
    if token.org_id is not None:
        query = query.where(Organisation.id == token.org_id)
    return {"items": [_org(org, m) for org, m in db.session.execute(query)]}


@org_bp.route("")
@api_access(READ)
@org_bp.response(200, OrgSchema)
def org_read() -> dict[str, Any]:
    """Read one organisation."""
    return _org(g.org, g.membership)
