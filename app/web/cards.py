"""Catalogue cards, written in Python and kept once per project and dataset version.

A card (the project, its main claims with who and when, verdict chips) depends on nothing but
its project, so every page that lists the project (any filter, sort or page) can reuse it. The
cache holds the HTML, bounded in entries and bytes, and a load empties it
(app/queries/cache.py). With 100k projects most cards of a distinct URL are new, and reading
and drawing 50 of them was the largest cost of a catalogue page (issue 11). So the card and its
claim lines are f-strings (app/web/claim_markup.py; a Jinja macro per card, line and chip cost
several times more), and their claims are one read into plain tuples (`claims_of_projects`). 50 new
cards at 100k: 23 -> 8.5 ms of CPU, of which SQLite's reads are ~4.5 (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup
from sqlmodel import Session

from app.projects.model import ProjectSummary
from app.queries.cache import MISSING, VersionedCache
from app.queries.claim_list import ProjectClaims, claims_of_projects
from app.web.claim_markup import claim_line_html, esc, word
from app.web.filters import day, label, number, tonnes

_cards = VersionedCache(max_entries=20_000)


def project_cards(
    session: Session, projects: Sequence[ProjectSummary], sector_names: dict[str, str]
) -> list[Markup]:
    """The card of each project, in order; only the projects not cached are read and drawn.
    The cache keeps plain strings: the collector tracks Markup objects, not strings, and
    up to 20,000 of them would lengthen every full collection (docs/performance.md)."""
    found = {p.slug: _cards.get(session, ("card", p.slug)) for p in projects}
    missing = [p for p in projects if found[p.slug] is MISSING]
    if missing:
        claims = claims_of_projects(session, [p.slug for p in missing])
        for p in missing:
            html = str(project_card(p, sector_names, claims.get(p.slug)))
            _cards.put(session, ("card", p.slug), html)
            found[p.slug] = html
    return [Markup(found[p.slug]) for p in projects]


def project_card(
    p: ProjectSummary, sector_names: dict[str, str], claims: ProjectClaims | None
) -> Markup:
    """One card (`<li class="card">`); `claims` None: the project has no checked claim."""
    slug = esc(p.slug)
    local = f' <span class="local-name" lang="zh">{esc(p.local_name)}</span>'
    places = f" · {word(', '.join(p.countries))}" if p.countries else ""
    sector = word(sector_names.get(p.sector, p.sector))
    out = [
        f'\n<li class="card">\n  <h3 class="card-title"><a href="/projects/{slug}">'
        f"{esc(p.name)}</a>{local if p.local_name else ''}</h3>\n"
        f'  <p class="muted">{word(p.technology_name)} · {sector}{places}</p>\n'
        '  \n  <div class="card-claims">\n    '
    ]
    if claims and claims.count:
        out.append("\n    ")
        out += [claim_line_html(claim) for claim in claims.main]
        many = "" if claims.count == 1 else "s"
        out.append(
            f'\n    <p class="card__more"><a href="/projects/{slug}#checks-title">{claims.count}'
            f" claim{many} checked</a>{_verdict_counts(tuple(claims.verdicts.items()))}</p>\n    "
        )
    else:
        out.append('\n    <p class="muted card__more">No emission claim found.</p>\n    ')
    capacity = (
        f"{esc(number(p.capacity_value))} {word(p.capacity_unit)}"
        if p.capacity_value is not None
        else "—"
    )
    out.append(
        "\n  </div>\n  \n"
        '  <dl class="facts-inline">\n'
        f"    <div><dt>Status</dt><dd>{word(label(p.status))}</dd></div>\n"
        f"    <div><dt>Capacity</dt><dd>{capacity}</dd></div>\n"
        f"    <div><dt>Opened</dt><dd>{esc(day(p.opened_on))}</dd></div>\n    "
    )
    claimed = p.claimed_tco2_per_year
    if claimed is not None:
        out.append(
            f'<div><dt>Largest annual claim</dt><dd data-claimed="{esc(claimed)}">'
            f"{esc(tonnes(claimed))} CO2</dd></div>"
        )
    out.append("\n  </dl>\n  ")
    if p.kind == "reference":
        out.append('<p class="tag">Reference: domestic showcase</p>')
    out.append("\n</li>")
    return Markup("".join(out))


@lru_cache(maxsize=4096)
def _verdict_counts(counts: tuple[tuple[str, int], ...]) -> str:
    """' <span class="chip chip--above-range">2 above range</span>' per verdict."""
    chip = ' <span class="chip chip--{}">{} {}</span>'
    return "".join(
        chip.format(esc(v.replace("_", "-")), n, esc(v.replace("_", " "))) for v, n in counts
    )
