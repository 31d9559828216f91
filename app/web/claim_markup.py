"""A claim as the explorer, the catalogue cards and the overview show it, written in Python.

Templates call these as Jinja globals (app/web/templating.py): `claim_line(claim)`,
`verdict_chip(c)`, ... A catalogue page of new projects draws ~50 cards with ~90 claim lines and
~90 chips, and Jinja macro calls were half of those cards' CPU time (issue 11). `claim` is an
app.queries.claim_list.ClaimRow, `c` one of its ClaimCheckSummary. CSS: static/css/claims.css.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Protocol

from markupsafe import Markup


class CheckLike(Protocol):
    @property
    def reading(self) -> str: ...
    @property
    def verdict(self) -> str: ...
    @property
    def verdict_label(self) -> str: ...
    @property
    def ratio(self) -> float | None: ...
    @property
    def ladder_text(self) -> str | None: ...
    @property
    def weak(self) -> bool: ...
    @property
    def why(self) -> str: ...


class ClaimLike(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def as_stated(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def baseline(self) -> str | None: ...
    @property
    def claimant(self) -> str | None: ...
    @property
    def stated_on(self) -> date | None: ...
    @property
    def checks(self) -> Sequence[CheckLike]: ...


PERIOD_WORDS = {
    "annual": " a year",
    "cumulative": " in total",
    "one_off": " once",
}
PERIOD_NOT_STATED = ' <span class="muted">(period not stated)</span>'
BASELINE_NOT_STATED = ("not stated", "unstated", "unspecified")


def esc(value: object) -> str:
    """`markupsafe.escape(value)` for plain text, as a str with the same entities: a page of
    new cards escapes ~1,200 values, and a Markup object per value doubled the cost."""
    return (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


@lru_cache(maxsize=4096)
def word(value: object) -> str:
    """`esc` of a value from a small vocabulary (labels, readings, units, sector names)."""
    return esc(value)


def ratio_text(c: CheckLike) -> str:
    """'1.8× expected', '3× the grid average'; empty without a ratio or for not checkable."""
    if c.ratio is None or c.verdict == "not_checkable":
        return ""
    times = "%.2g" % c.ratio if c.ratio < 10 else "%.0f" % c.ratio  # noqa: UP031 (as Jinja's format)
    return f"{times}× {'the grid average' if c.ladder_text else 'expected'}"


@lru_cache(maxsize=64)
def _chip_head(verdict: str) -> str:
    return f'<span class="chip chip--{esc(verdict.replace("_", "-"))}" title="'


def _chip(c: CheckLike, show_reading: bool = True) -> str:
    out = f'{_chip_head(c.verdict)}{esc(c.why)}">'
    if show_reading and c.reading != "as stated":
        out += f'<span class="chip__reading">{word(c.reading)}:</span> '
    out += word(c.verdict_label)
    ratio = ratio_text(c)
    if ratio:
        out += f' <span class="chip__ratio">· {ratio}</span>'
    if c.weak:
        out += ' <span class="chip__weak">· weak check</span>'
    return out + "</span>"


def _who_when(claim: ClaimLike) -> str:
    who = f'<span class="claim__who">{esc(claim.claimant or "Claimant not named")}</span>'
    if claim.stated_on:
        who += f', <time datetime="{claim.stated_on.isoformat()}">{claim.stated_on.year}</time>'
    return who


def _period_words(claim: ClaimLike) -> str:
    words = ""
    if claim.kind == "emissions_avoided":
        words = PERIOD_WORDS.get(claim.period, PERIOD_NOT_STATED)
    elif claim.kind == "emissions_reduction_pct":
        words = " lower emissions"
    baseline = claim.baseline or ""
    if baseline.lower() in BASELINE_NOT_STATED:
        words += ' <span class="muted">(baseline not stated)</span>'
    elif baseline:
        against = baseline if baseline[:3].lower() == "vs " else f"vs {baseline}"
        words += f' <span class="muted">{esc(against)}</span>'
    return words


def _claim_value(claim: ClaimLike) -> str:
    return (
        f'<a class="claim__value" href="{esc(claim.url)}">{esc(claim.as_stated)}</a>'
        f"{_period_words(claim)}"
    )


def claim_line_html(claim: ClaimLike) -> str:
    """`claim_line` as a str, for markup built around it (app/web/cards.py)."""
    chips = "".join(f"{_chip(c)} " for c in claim.checks)
    return f'<p class="claim-line">{_claim_value(claim)} — {_who_when(claim)}<br>\n{chips}</p>'


# What templates call (Jinja globals): the same markup, marked safe.


def verdict_chip(c: CheckLike, show_reading: bool = True) -> Markup:
    """A check's verdict as a chip, its reason in the title; the reading when not 'as stated'."""
    return Markup(_chip(c, show_reading))


def who_when(claim: ClaimLike) -> Markup:
    """Who made the claim and the year, as a <time> with the day."""
    return Markup(_who_when(claim))


def period_words(claim: ClaimLike) -> Markup:
    """' a year', ' lower emissions', ' vs coal': what the figure is over and against."""
    return Markup(_period_words(claim))


def claim_value(claim: ClaimLike) -> Markup:
    """The figure as stated, linked to the claim's page, and its period words."""
    return Markup(_claim_value(claim))


def claim_line(claim: ClaimLike) -> Markup:
    """One line a card shows: the claim as stated, who and when, the verdict chips."""
    return Markup(claim_line_html(claim))


GLOBALS = {
    "verdict_chip": verdict_chip,
    "who_when": who_when,
    "period_words": period_words,
    "claim_value": claim_value,
    "claim_line": claim_line,
}
