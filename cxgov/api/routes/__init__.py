"""The API's endpoint modules; importing this package declares every API blueprint."""

from . import cycles, frameworks, orgs, register  # noqa: F401
