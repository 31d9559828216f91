"""Catalogue cards, rendered once per project and dataset version.

A card (templates/_macros/ui.html `project_card`: the project, its main claims with who and
when, verdict chips) depends on nothing but its project, so every page that lists the project
(any filter, sort or page) can reuse it. Rendering 50 cards and reading their claims was the
largest cost of a catalogue page on distinct URLs (issue 11); the cache holds the HTML, bounded
in entries and bytes, and a load empties it (app/queries/cache.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from app.projects.model import ProjectSummary
from app.queries.cache import MISSING, VersionedCache
from app.web.claim_context import project_claims
from app.web.templating import templates

_cards = VersionedCache(max_entries=20_000)


def _card_macro() -> Any:
    return templates.env.get_template("_macros/ui.html").module.project_card  # type: ignore[attr-defined]


def project_cards(
    session: Session, projects: Sequence[ProjectSummary], sector_names: dict[str, str]
) -> list[Markup]:
    """The card of each project, in order; only the projects not cached are read and drawn."""
    found = {p.slug: _cards.get(session, ("card", p.slug)) for p in projects}
    missing = [p for p in projects if found[p.slug] is MISSING]
    if missing:
        claims = project_claims(session, [p.slug for p in missing])
        draw = _card_macro()
        for p in missing:
            html = Markup(draw(p, sector_names, claims.get(p.slug)))
            _cards.put(session, ("card", p.slug), html)
            found[p.slug] = html
    return [found[p.slug] for p in projects]
