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

from markupsafe import Markup, escape


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


def ratio_text(c: CheckLike) -> str:
    """'1.8× expected', '3× the grid average'; empty without a ratio or for not checkable."""
    if c.ratio is None or c.verdict == "not_checkable":
        return ""
    times = "%.2g" % c.ratio if c.ratio < 10 else "%.0f" % c.ratio  # noqa: UP031 (as Jinja's format)
    return f"{times}× {'the grid average' if c.ladder_text else 'expected'}"


@lru_cache(maxsize=64)
def _chip_head(verdict: str) -> str:
    return f'<span class="chip chip--{escape(verdict.replace("_", "-"))}" title="'


def verdict_chip(c: CheckLike, show_reading: bool = True) -> Markup:
    """A check's verdict as a chip, its reason in the title; the reading when not 'as stated'."""
    out = [_chip_head(str(c.verdict)), escape(c.why), '">']
    if show_reading and c.reading != "as stated":
        out += ['<span class="chip__reading">', escape(c.reading), ":</span> "]
    out.append(escape(c.verdict_label))
    ratio = ratio_text(c)
    if ratio:
        out += [' <span class="chip__ratio">· ', ratio, "</span>"]
    if c.weak:
        out.append(' <span class="chip__weak">· weak check</span>')
    out.append("</span>")
    return Markup("".join(out))


def who_when(claim: ClaimLike) -> Markup:
    """Who made the claim and the year, as a <time> with the day."""
    who = f'<span class="claim__who">{escape(claim.claimant or "Claimant not named")}</span>'
    if claim.stated_on:
        day = claim.stated_on.isoformat()
        who += f', <time datetime="{day}">{claim.stated_on.year}</time>'
    return Markup(who)


def period_words(claim: ClaimLike) -> Markup:
    """' a year', ' lower emissions', ' vs coal': what the figure is over and against."""
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
        words += f' <span class="muted">{escape(against)}</span>'
    return Markup(words)


def claim_value(claim: ClaimLike) -> Markup:
    """The figure as stated, linked to the claim's page, and its period words."""
    return Markup(
        f'<a class="claim__value" href="{escape(claim.url)}">{escape(claim.as_stated)}</a>'
        f"{period_words(claim)}"
    )


def claim_line(claim: ClaimLike) -> Markup:
    """One line a card shows: the claim as stated, who and when, the verdict chips."""
    chips = "".join(f"{verdict_chip(c)} " for c in claim.checks)
    return Markup(
        f'<p class="claim-line">{claim_value(claim)} — {who_when(claim)}<br>\n{chips}</p>'
    )


GLOBALS = {
    "ratio_text": ratio_text,
    "verdict_chip": verdict_chip,
    "who_when": who_when,
    "period_words": period_words,
    "claim_value": claim_value,
    "claim_line": claim_line,
}
