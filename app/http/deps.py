"""Dependencies of every route: each filter is parsed from the query string in one way only.

Pages, API and downloads take `filters: ProjectQuery` (or MetricQuery, StatementQuery), so a
parameter cannot mean one thing on /projects and another on /api/v1/projects or /projects.csv.
A value FastAPI cannot parse is a RequestValidationError, which app/web/errors.py answers with
a 422 page or `{"detail"}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.metrics.filter import MetricFilter
from app.projects.filter import ProjectFilter
from app.statements.filter import StatementFilter

ProjectQuery = Annotated[ProjectFilter, Query()]
MetricQuery = Annotated[MetricFilter, Query()]
StatementQuery = Annotated[StatementFilter, Query()]
