"""Forms of the register import: the upload and the confirmation of a previewed import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.validators import DataRequired, Regexp

from ...validators import CxForm
from .spreadsheet import TABLES


def table_choices() -> list[tuple[str, object]]:
    """Return the CSV table options: work it out from the file, or one of the register's tables."""
    return [("", _l("Work it out from the file name or the columns"))] + [
        (spec.key, _l(spec.sheet)) for spec in TABLES
    ]  # the sheet names are catalogue entries (N_)


class ImportUploadForm(CxForm):
    file = FileField(
        _l("Spreadsheet"),
        validators=[FileRequired(_l("Choose a file to import."))],
        description=_l(
            "An Excel workbook (.xlsx) with the register's sheets, or a CSV file with one table, at most 10 MB."
        ),
    )
    table = SelectField(
        _l("For a CSV file: the table it holds"), choices=table_choices(), default="", validate_choice=True
    )
    submit = SubmitField(_l("Check the file"))


class ImportConfirmForm(CxForm):
    #: The fingerprint of the plan the user saw; if the plan is different now, the new one is shown.
    digest = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    submit = SubmitField(_l("Import"))
