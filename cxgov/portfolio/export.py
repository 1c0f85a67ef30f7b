"""The portfolio as XLSX: one :class:`~cxgov.sheets.Sheet`, written by :mod:`cxgov.sheets` (text stays text)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..sheets import Sheet, xlsx_bytes
from .selectors import PortfolioRow, portfolio_table


def portfolio_xlsx(rows: list[PortfolioRow]) -> bytes:
    """Return the portfolio rows as one XLSX sheet, headers in the language being rendered."""
    headers, table = portfolio_table(rows)
    sheet = Sheet(_("Portfolio"), headers, table, widths=[28] + [14] * (len(headers) - 1), frozen_columns=1)
    return xlsx_bytes([sheet], title=_("Portfolio"))
