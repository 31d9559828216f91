"""Text search (`q`) through an index: the catalogue never scans every project for a word.

`q` keeps its meaning: every word (up to 8) must occur somewhere in the project's
`search_text` (lower-cased name, slug and summary), as a substring. The index only narrows
which rows are tested:

* SQLite: `project_fts`, an FTS5 table over `project.search_text` with the trigram tokenizer
  (external content, so the text is stored once). FTS5 answers `LIKE '%word%'` from the
  trigram index for words of three or more characters and rechecks the text itself.
* PostgreSQL: a pg_trgm GIN index on `project.search_text`, which the planner uses for the
  same `LIKE` conditions directly.

The FTS5 table is external content: the loader rebuilds it after every load
(`rebuild_search_index`), the only writer of projects.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, literal_column, select, table
from sqlalchemy.engine import Connection

from app import models as m

P = m.Project.__table__  # type: ignore[attr-defined]
FTS_TABLE = "project_fts"
TRIGRAM_INDEX = "ix_project_search_trgm"
MAX_WORDS = 8
SORT_INDEX_PREFIX = "ix_project_sort_"
# Schema objects the models cannot express: the text index (an FTS5 virtual table and its
# shadow tables, a GIN index) and the catalogue's expression indexes for sorting (NULLs last).
# migrations/env.py and the schema test leave them out of the model comparison.
INDEX_OBJECTS = (FTS_TABLE, TRIGRAM_INDEX, SORT_INDEX_PREFIX)

_FTS = table(FTS_TABLE, column("rowid"), column("search_text"))


def words(q: str | None) -> list[str]:
    return (q or "").lower().split()[:MAX_WORDS]


def _pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_conditions(q: str | None, dialect: str) -> list[ColumnElement[bool]]:
    """WHERE clauses on `project` for a text query: exact substring tests, and on SQLite a
    rowid lookup in the trigram index that leaves only candidate rows to test."""
    terms = words(q)
    conditions: list[ColumnElement[bool]] = [
        P.c.search_text.like(_pattern(w), escape="\\") for w in terms
    ]
    indexed = _indexable(terms)
    if dialect == "sqlite" and indexed:
        conditions.insert(0, literal_column("project.rowid").in_(_index_rowids(indexed)))
    return conditions


def text_index_query(q: str | None, dialect: str) -> Select[Any] | None:
    """SQLite, when every word goes to the trigram index: the statement of the matching
    rowids, from the index alone. Its LIKE gives exactly the rows the tests above keep, so
    the project rows need not be read again (None: some word needs those tests)."""
    terms = words(q)
    if dialect != "sqlite" or not terms or _indexable(terms) != terms:
        return None
    return _index_rowids(terms)


def _indexable(terms: list[str]) -> list[str]:
    # FTS5's LIKE takes no ESCAPE clause, and a trigram needs three characters: only plain
    # words of three or more go to the index; the exact tests above still apply to all.
    return [w for w in terms if len(w) >= 3 and not any(c in w for c in "%_\\")]


def _index_rowids(terms: list[str]) -> Select[Any]:
    return select(_FTS.c.rowid).where(and_(*(_FTS.c.search_text.like(f"%{w}%") for w in terms)))


def rebuild_search_index(conn: Connection) -> None:
    """Re-read every project's search text into the SQLite trigram index (PostgreSQL's GIN
    index is maintained by the database itself)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def create_search_index(conn: Connection) -> None:
    """Create the text index (used by the migration)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, "
            "content='project', tokenize='trigram', detail='none')"
        )
        rebuild_search_index(conn)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON project "
            "USING gin (search_text gin_trgm_ops)"
        )


def drop_search_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


def is_index_object(name: Any) -> bool:
    """Whether a schema object is one of INDEX_OBJECTS (FTS5 adds shadow tables)."""
    return isinstance(name, str) and name.startswith(INDEX_OBJECTS)
