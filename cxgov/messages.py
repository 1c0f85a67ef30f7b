"""A marker for strings that are defined at import time but translated where they are shown.

``N_("Every touchpoint has an owner")`` returns the text unchanged; ``scripts/messages`` extracts
it (``-k N_``), and the code that shows it calls ``gettext`` on it in the reader's language.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark ``message`` for extraction; return it untranslated."""
    return message
