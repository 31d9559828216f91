"""Cite this (plain text and BibTeX) and Report an error, for every record page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from sqlmodel import Session

from app.queries import cache

SITE = "Green BRI Tracker"


@dataclass(frozen=True)
class Citation:
    """How to cite one record: its permalink, the dataset version and the date of that load."""

    plain: str
    bibtex: str
    report_url: str


def dataset_state(session: Session) -> tuple[int, datetime | None]:
    """The dataset version and when it was loaded (the citation's date)."""
    return cache.dataset_state(session)


def report_url(target: str, *, title: str, url: str) -> str:
    """A prefilled error report: a mailto: message, or a new issue on a tracker."""
    subject = f"Error report: {title}"
    body = f"Record: {title}\nURL: {url}\n\nWhat is wrong, and the source that shows it:\n"
    if target.startswith("mailto:"):  # mail programs want %20 for spaces, not '+'
        return target + "?" + urlencode({"subject": subject, "body": body}, quote_via=quote)
    joiner = "&" if "?" in target else "?"
    return target + joiner + urlencode({"title": subject, "body": body})


def _bibtex_key(path: str, year: int) -> str:
    return "greenbri-" + path.strip("/").replace("/", "-")[:60] + f"-{year}"


def citation(session: Session, *, title: str, path: str, base_url: str, target: str) -> Citation:
    """Cite the record at `path` (e.g. /projects/karot-hydropower) as of the current load."""
    version, loaded_at = dataset_state(session)
    url = base_url.rstrip("/") + path
    when = loaded_at.date().isoformat() if loaded_at else "undated"
    year = loaded_at.year if loaded_at else datetime.now().year
    plain = f"{SITE}. “{title}”. Dataset version {version} of {when}. {url}"
    bibtex = (
        f"@misc{{{_bibtex_key(path, year)},\n"
        f"  author = {{{{{SITE}}}}},\n"
        f"  title = {{{{{title}}}}},\n"
        f"  year = {{{year}}},\n"
        f"  howpublished = {{\\url{{{url}}}}},\n"
        f"  note = {{Dataset version {version} of {when}}}\n"
        "}"
    )
    return Citation(plain=plain, bibtex=bibtex, report_url=report_url(target, title=title, url=url))
