"""`project_claim_summary`: each project's checked claims as a card shows them, kept by the
loader (and the AidData importer) after the claim checks, in the same transaction.

A card shows how many claims were checked, how many fall under each (worst) verdict, and the
main claim or two: CO2 tonnes first, then percentages; newest first; then the largest. Reading
all claims of 50 projects to find that was the largest cost of a first catalogue page
(issue 11); the summary makes it one read of 50 rows, and only the main claims are read whole.
tests/test_claim_summary.py checks the SQL against the rule written out in Python, claim by
claim, on the seed and generated data.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

VERDICTS = (  # worst first
    "above_range",
    "below_range",
    "consistent",
    "not_checkable",
)
KINDS = (  # the kinds a card shows first, in order
    "emissions_avoided",
    "emissions_reduction_pct",
    "emission_intensity",
    "coal_saved",
)


def _case(column: str, values: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f"CASE {column} {whens} ELSE {len(values)} END"


def summary_sql(dialect: str) -> str:
    """INSERT … SELECT of every project's summary from `metric` and `claim_check`."""
    slug = 'm.slug COLLATE "C"' if dialect == "postgresql" else "m.slug"  # code-point order
    order = (
        f"{_case('m.kind', KINDS)}, m.stated_on IS NULL, m.stated_on DESC, "
        f"coalesce(m.canonical_value, 0) DESC, {slug}"
    )
    counts = ", ".join(
        f"sum(CASE WHEN worst = {i} THEN 1 ELSE 0 END) AS {verdict}"
        for i, verdict in enumerate(VERDICTS)
    )
    return (
        f"INSERT INTO project_claim_summary (project_slug, claims, {', '.join(VERDICTS)}, "
        "main_slug, second_slug) "
        "SELECT project_slug, claims, "
        f"{', '.join(VERDICTS)}, main_slug, "
        f"CASE WHEN main_kind = '{KINDS[0]}' THEN first_pct END "
        "FROM ("
        f"SELECT project_slug, count(*) AS claims, {counts}, "
        "max(CASE WHEN place = 1 THEN slug END) AS main_slug, "
        "max(CASE WHEN place = 1 THEN kind END) AS main_kind, "
        f"max(CASE WHEN place_in_kind = 1 AND kind = '{KINDS[1]}' THEN slug END) AS first_pct "
        "FROM ("
        "SELECT m.project_slug AS project_slug, m.slug AS slug, m.kind AS kind, w.worst AS worst, "
        f"row_number() OVER (PARTITION BY m.project_slug ORDER BY {order}) AS place, "
        f"row_number() OVER (PARTITION BY m.project_slug, m.kind ORDER BY {order}) "
        "AS place_in_kind "
        "FROM metric AS m JOIN ("
        f"SELECT metric_slug, min({_case('verdict', VERDICTS)}) AS worst "
        "FROM claim_check GROUP BY metric_slug"
        ") AS w ON w.metric_slug = m.slug"
        ") AS ranked GROUP BY project_slug"
        ") AS summary"
    )


def rebuild_claim_summaries(conn: Connection) -> None:
    """Recompute every project's row (set-based SQL, inside the load's transaction)."""
    conn.exec_driver_sql("DELETE FROM project_claim_summary")
    conn.exec_driver_sql(summary_sql(conn.dialect.name))
