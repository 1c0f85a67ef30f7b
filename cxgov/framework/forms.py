"""The framework upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from ..validators import CxForm


class FrameworkUploadForm(CxForm):
    file = FileField(
        _l("Framework file (YAML, UTF-8, at most 1 MB)"), validators=[FileRequired(_l("Choose a framework YAML file."))]
    )
    submit = SubmitField(_l("Upload and validate"))
