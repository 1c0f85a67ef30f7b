"""The register's tables, declared once: each field's kind, label, spreadsheet column and rules.

The spreadsheet format (:mod:`cxgov.register.transfer.spreadsheet`), the one write path's
checks (:mod:`cxgov.register.write`, which every writer uses: forms, spreadsheet import, CLI,
API, org package) and history are derived from these declarations, and the rules' messages
come from :mod:`cxgov.register.rules` or the declarations, so a rule reads the same wherever a
row is written.

Field kinds: ``text``, ``email``, ``person`` (a reference to a person, spreadsheets name them
by e-mail), ``journey`` / ``channel`` (references by name), ``bool``, ``date``, ``choice``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask_babel import lazy_gettext as _l

from ..messages import N_
from .models import CHANNEL_KINDS, CX_ROLE_KINDS, STAGES, channel_kind_label, cx_role_label


@dataclass(frozen=True)
class RegisterField:
    """One field of a register table and every rule that applies to it."""

    #: the model attribute (a reference: the relationship, e.g. ``manager``)
    name: str
    kind: str
    label: Any
    #: the spreadsheet column
    column: str
    max_length: int | None = None
    required: bool = False
    #: text that may hold line breaks and tabs
    multiline: bool = False
    choices: tuple[str, ...] = ()
    #: the value of a new row when the spreadsheet cell is empty or the column absent
    default: Any = ""
    #: rule: a person must be active to be given this field; the refusal, a whole sentence
    #: (marked with N_, translated when shown) with a ``%(name)s`` for the person
    active_person: str | None = None
    #: rule: a date that cannot lie in the future; the refusal, a whole sentence (N_)
    not_future: str | None = None
    #: form: a hint shown under the control (lazily translated)
    help: Any = None
    #: form: values offered while any text is allowed (English, marked with N_)
    suggestions: tuple[str, ...] = ()
    #: form and list: the display label of a ``choice`` value
    choice_label: Callable[[str], str] | None = None


@dataclass(frozen=True)
class RegisterTable:
    """One register table: its fields in spreadsheet order, its natural key and table-wide rules."""

    key: str
    #: the spreadsheet sheet name, English in every file (marked with N_: pages show it translated)
    sheet: str
    fields: tuple[RegisterField, ...]
    #: spreadsheet columns that identify a row within the organisation
    key_columns: tuple[str, ...]
    #: rule: (start, end) field names; the end may not come before the start
    date_order: tuple[str, str] | None = None
    #: rule: field names whose values no two rows of an organisation share (text without regard
    #: to case; a row with an empty one is not compared)
    unique: tuple[str, ...] = ()
    #: the refusal of a second such row, a whole sentence (N_) naming the fields as placeholders
    unique_refusal: str | None = None

    def __post_init__(self) -> None:
        # looked up for every cell of a 10,000-row import: a dict, not a scan
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "_by_column", {f.column: f for f in self.fields})

    def field(self, name: str) -> RegisterField:
        """Return the field with model attribute ``name``."""
        by_name: dict[str, RegisterField] = self.__dict__["_by_name"]
        return by_name[name]

    def by_column(self, column: str) -> RegisterField:
        """Return the field written to spreadsheet column ``column``."""
        by_column: dict[str, RegisterField] = self.__dict__["_by_column"]
        return by_column[column]


def _text(name: str, label: Any, max_length: int, **kw: Any) -> RegisterField:
    return RegisterField(name, "text", label, kw.pop("column", name), max_length, **kw)


def _active(name: str, label: Any, column: str, rule: str, **kw: Any) -> RegisterField:
    return RegisterField(name, "person", label, column, 254, default=None, active_person=rule, **kw)


ACTIVE = RegisterField("active", "bool", _l("Active"), "active", default=True)

TABLES: tuple[RegisterTable, ...] = (
    RegisterTable(
        "people",
        N_("People"),
        (
            RegisterField(
                "email",
                "email",
                _l("E-mail"),
                "email",
                254,
                default=None,
                help=_l("Optional; imports find people and owners by e-mail."),
            ),
            _text("name", _l("Name"), 200, required=True),
            _text("title", _l("Title"), 200),
            _text("department", _l("Department"), 200),
            ACTIVE,
        ),
        ("email",),
        unique=("email",),
        unique_refusal=N_("Another person already has the e-mail address %(email)s."),
    ),
    RegisterTable(
        "channels",
        N_("Channels"),
        (
            _text("name", _l("Name"), 200, required=True),
            RegisterField(
                "kind",
                "choice",
                _l("Kind"),
                "kind",
                20,
                required=True,
                choices=CHANNEL_KINDS,
                choice_label=channel_kind_label,
            ),
            _active(
                "manager",
                _l("Channel manager"),
                "manager_email",
                N_("%(name)s is inactive and cannot become channel manager."),
            ),
            ACTIVE,
        ),
        ("name",),
        unique=("name",),
        unique_refusal=N_("A channel named “%(name)s” already exists."),
    ),
    RegisterTable(
        "journeys",
        N_("Journeys"),
        (
            _text("name", _l("Name"), 200, required=True),
            _text("description", _l("Description"), 10_000, multiline=True),
            _active(
                "owner", _l("Journey owner"), "owner_email", N_("%(name)s is inactive and cannot become journey owner.")
            ),
            ACTIVE,
        ),
        ("name",),
        unique=("name",),
        unique_refusal=N_("A journey named “%(name)s” already exists."),
    ),
    RegisterTable(
        "touchpoints",
        N_("Touchpoints"),
        (
            RegisterField("journey", "journey", _l("Journey"), "journey", 200, required=True),
            RegisterField("channel", "channel", _l("Channel"), "channel", 200, required=True),
            _text("name", _l("Name"), 200, required=True),
            _text("stage", _l("Stage"), 100, suggestions=STAGES),
            _active(
                "owner", _l("Owner"), "owner_email", N_("%(name)s is inactive and cannot become touchpoint owner.")
            ),
            _text(
                "desired_feeling",
                _l("Desired feeling"),
                300,
                multiline=True,
                help=_l("Feeling the customer should have"),
            ),
            _text("kpi", _l("KPI"), 200, help=_l("KPI that shows it")),
            _text("kpi_target", _l("KPI target"), 100),
            RegisterField(
                "hygiene_factor",
                "bool",
                _l("Hygiene factor"),
                "hygiene_factor",
                default=False,
                help=_l("Customers only notice it when it fails."),
            ),
            RegisterField(
                "last_reviewed",
                "date",
                _l("Last reviewed"),
                "last_reviewed",
                default=None,
                not_future=N_("The last review date cannot be in the future."),
            ),
            ACTIVE,
        ),
        ("journey", "channel", "name"),
        unique=("journey", "channel", "name"),
        unique_refusal=N_("“%(name)s” already exists on %(journey)s in %(channel)s."),
    ),
    RegisterTable(
        "cx_roles",
        N_("CX roles"),
        (
            _active(
                "person",
                _l("Person"),
                "person_email",
                N_("%(name)s is inactive and cannot take a CX role."),
                required=True,
            ),
            RegisterField(
                "role",
                "choice",
                _l("Role"),
                "role",
                30,
                required=True,
                choices=CX_ROLE_KINDS,
                choice_label=cx_role_label,
            ),
            RegisterField("since", "date", _l("Since"), "since", required=True),
            RegisterField(
                "until", "date", _l("Until"), "until", default=None, help=_l("Leave empty while the role is held.")
            ),
            _text("note", _l("Note"), 500, multiline=True),
        ),
        ("person_email", "role", "since"),
        date_order=("since", "until"),
    ),
    RegisterTable(
        "mandates",
        N_("Mandates"),
        (
            _text("holder", _l("Who may decide"), 200, required=True, help=_l("A role or a team.")),
            _text("decision", _l("What they may decide"), 500, required=True, multiline=True),
            _text("limit", _l("Limit"), 200, help=_l("E.g. “up to 2,000 SEK”.")),
            RegisterField("channel", "channel", _l("Channel"), "channel", 200, default=None),
            ACTIVE,
        ),
        ("holder", "decision", "channel"),
    ),
)
TABLE_BY_KEY: dict[str, RegisterTable] = {table.key: table for table in TABLES}


def text_labels() -> dict[str, Any]:
    """Return field name -> its (lazily translated) label, for every text-like field of every table."""
    return {f.name: f.label for t in TABLES for f in t.fields if f.kind in ("text", "email")}


def text_limits() -> dict[str, int]:
    """Return field name -> most characters, for every text-like field of every table."""
    return {
        f.name: f.max_length
        for t in TABLES
        for f in t.fields
        if f.max_length is not None and f.kind in ("text", "email")
    }
