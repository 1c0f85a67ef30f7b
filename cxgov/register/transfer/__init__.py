"""The register as spreadsheets: reading and checking files, planning and applying imports, exports.

``spreadsheet`` knows cells (pure), ``services`` matches them against an organisation's
register, ``routes`` and ``cli`` are the upload pages and the ``flask register import/export``
commands.
"""
