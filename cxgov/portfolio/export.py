"""The portfolio as XLSX: texts are written as string cells, never formulas."""

from __future__ import annotations

import io

import xlsxwriter

from .selectors import PortfolioRow, portfolio_table


def portfolio_xlsx(rows: list[PortfolioRow]) -> bytes:
    """Return the portfolio rows as one XLSX sheet."""
    headers, table = portfolio_table(rows)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    try:
        sheet = workbook.add_worksheet("Portfolio")
        head = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True})
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header, head)
            sheet.set_column(col, col, 28 if col == 0 else 14)
        for r, row in enumerate(table, start=1):
            for col, value in enumerate(row):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(r, col, value)
                else:
                    sheet.write_string(r, col, str(value))
        sheet.freeze_panes(1, 1)
        if table:
            sheet.autofilter(0, 0, len(table), len(headers) - 1)
    finally:
        workbook.close()
    return buffer.getvalue()
