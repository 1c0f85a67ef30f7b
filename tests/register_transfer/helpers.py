"""Small registers as spreadsheet rows, and helpers to read what an export wrote."""
from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl

from cxgov.register.transfer.spreadsheet import TABLES, write_csv, write_xlsx


def small_tables() -> dict[str, list[list[Any]]]:
    """Return a small but complete register: every table, references inside the same file."""
    return {
        "people": [["ann@example.com", "Ann Åberg", "Head of service", "Service", True],
                   ["bo@example.com", "Bo Ærø", "Channel manager", "Digital", True],
                   [None, "Cai Øst", "Agent", "Service", True]],
        "channels": [["Web", "web", "bo@example.com", True], ["Phone", "phone", "ann@example.com", True]],
        "journeys": [["Move in", "Customers moving into a new home", "ann@example.com", True]],
        "touchpoints": [["Move in", "Web", "Sign the contract", "Buy", "bo@example.com", "Confident", "NPS",
                         "+40", False, date(2026, 3, 1), True],
                        ["Move in", "Phone", "Ask about prices", "Discover", "Cai Øst", "Understood", "", "",
                         True, None, True]],
        "cx_roles": [["ann@example.com", "cx_sponsor", date(2025, 1, 1), None, "Chosen by the board"]],
        "mandates": [["Agents", "Credit a disputed fee", "up to 2,000 SEK", "Phone", True]],
    }


def xlsx(tables: dict[str, list[list[Any]]]) -> bytes:
    """Return ``tables`` as an export-format workbook."""
    return write_xlsx(tables)


def csv_of(table: str, rows: list[list[Any]]) -> bytes:
    """Return one table as an export-format CSV."""
    return write_csv(table, rows)


def workbook_values(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Return every sheet's cell values, to compare two exports."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def sheet_names() -> list[str]:
    return [spec.sheet for spec in TABLES]
