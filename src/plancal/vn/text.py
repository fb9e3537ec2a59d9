"""Text as users read it: Unicode NFC, one line (no header injection downstream)."""

from __future__ import annotations

import unicodedata


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def one_line(text: str) -> str:
    """Collapse newlines and control characters: names end up in mail headers and titles."""
    return " ".join(nfc(text).split())
