"""The API's endpoint modules; importing this package declares every API blueprint."""

from . import actions, cycles, frameworks, health, orgs, register, reports  # noqa: F401
