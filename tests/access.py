"""The tenancy matrix's vocabulary: who may reach which organisation-scoped endpoint.

Each feature declares its endpoints in its own ``tests/<feature>/access.py``:

    ACCESS = {"register.touchpoint_edit": Access(EDIT_REGISTER, "POST", args=lambda ids: {...})}
    def build(org, world) -> dict[str, int]:   # optional: objects the args need, by name

    def sign_in(client, user) -> None:         # optional: more than the session (an API token)

``tests/test_tenancy.py`` collects every ACCESS table and fails when an organisation-scoped
route of the app is missing from them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Collection

from cxgov.orgs.models import Role


@dataclass(frozen=True)
class Access:
    #: roles that may use the endpoint; every other member gets 403
    roles: Collection[Role]
    method: str = "GET"
    #: URL arguments other than org_slug, from the ids that ``build`` made for one org
    args: Callable[[dict[str, int]], dict[str, Any]] = field(default=lambda ids: {})
    #: form data for POSTs (CSRF is off in this test)
    data: Callable[[dict[str, int]], dict[str, Any]] = field(default=lambda ids: {})
    #: query string for GETs
    query: dict[str, str] = field(default_factory=dict)
    #: a JSON body instead of form data (the API)
    json: Callable[[dict[str, int]], Any] | None = None
    #: request headers, e.g. If-Match (the API)
    headers: Callable[[dict[str, int]], dict[str, str]] = field(default=lambda ids: {})
