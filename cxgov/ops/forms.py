"""The organisation import form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional, Regexp

from ..validators import CxForm, SLUG_RE


class OrgImportForm(CxForm):
    """Upload an organisation export, optionally under a new short name."""

    file = FileField(_l("Export file (.cxgov.json.gz)"), validators=[FileRequired(_l("Choose the export file."))])
    slug = StringField(
        _l("Short name in this installation"),
        validators=[
            Optional(),
            Length(max=60),
            Regexp(SLUG_RE, message=_l("Use lower-case letters, digits and dashes.")),
        ],
        description=_l("Left empty, the exported short name is used; it must be free."),
    )
    submit = SubmitField(_l("Import organisation"))
