"""Text cells that a spreadsheet would run as a formula, made inert in every CSV we write.

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or `@` as a
formula (`=HYPERLINK(...)`, `+cmd|' /C calc'!A0`), and a leading tab or carriage return can
hide such a start from a naive check. Dataset text is public input, so every text cell we
serve as CSV starts with an apostrophe when it would start like that: spreadsheets show the
text, and `bri-tracker load` takes the apostrophe off again, so a data package round-trips.
Numbers are never touched (a negative longitude stays a number). docs/data-format.md says so.
"""

from __future__ import annotations

FORMULA_STARTS = frozenset("=+-@\t\r")
APOSTROPHE = "'"


def _starts_like_formula(text: str) -> bool:
    """After any apostrophes, a formula start: such text gets one more apostrophe on the way
    out (so text that already began with one comes back whole) and loses one on the way in."""
    return text.lstrip(APOSTROPHE)[:1] in FORMULA_STARTS


def neutralise(text: str) -> str:
    """A text cell safe to open in a spreadsheet; `restore` gives the original back."""
    return APOSTROPHE + text if _starts_like_formula(text) else text


def restore(text: str) -> str:
    """The text `neutralise` was given (text without an escape is returned as it is)."""
    return text[1:] if text[:1] == APOSTROPHE and _starts_like_formula(text) else text
