"""One declaration per record: the table, the loader's input, the public model, the loader's
column list, the metrics download and the data package all follow a record's field base."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from app.exports import METRIC_COLUMNS as METRIC_DOWNLOAD
from app.exports import table_schema
from app.loader.writing import METRIC_COLUMNS, PROJECT_COLUMNS, TABLE_SPECS
from app.metrics.model import Metric, MetricFields, MetricIn, MetricOut
from app.projects.detail import ProjectDetail
from app.projects.model import Place, Project, ProjectFields, ProjectIn
from app.statements.model import Statement, StatementFields, StatementIn, StatementOut

RECORDS = [
    (MetricFields, Metric, MetricIn, MetricOut, METRIC_COLUMNS, "metrics"),
    (ProjectFields, Project, ProjectIn, ProjectDetail, PROJECT_COLUMNS, "projects"),
    (
        StatementFields,
        Statement,
        StatementIn,
        StatementOut,
        TABLE_SPECS["statements"].columns,
        "statements",
    ),
]


@pytest.mark.parametrize(("fields", "table", "given", "public", "written", "name"), RECORDS)
def test_every_shape_derives_from_the_field_base(
    fields: type[BaseModel],
    table: type[BaseModel],
    given: type[BaseModel],
    public: type[BaseModel],
    written: tuple[str, ...],
    name: str,
) -> None:
    for shape in (table, given, public):
        assert issubclass(shape, fields), shape
    columns = set(table.__table__.c.keys())  # type: ignore[attr-defined]
    assert set(fields.model_fields) <= columns
    # The loader writes every column, each once, and no other.
    assert sorted(written) == sorted(columns)
    # The data package describes the input's fields, with the field base's descriptions.
    described = {f["name"]: f.get("description") for f in table_schema(name)["fields"]}
    for field, info in fields.model_fields.items():
        assert info.description, f"{fields.__name__}.{field} has no description"
        assert described[field] == info.description


def test_a_project_place_is_declared_once() -> None:
    assert issubclass(Project, Place) and issubclass(ProjectIn, Place)


def test_the_metrics_download_follows_the_model() -> None:
    for field in MetricOut.model_fields:
        if field not in ("project", "source"):
            assert field in METRIC_DOWNLOAD, field


def _undescribed(model: type[BaseModel]) -> list[str]:
    return [n for n, info in model.model_fields.items() if not info.description]


@pytest.mark.parametrize("model", [MetricOut, StatementOut, ProjectDetail])
def test_public_fields_are_described(model: type[BaseModel]) -> None:
    """The descriptions become /docs: every public field has one."""
    assert _undescribed(model) == []


@pytest.mark.parametrize("name", sorted(TABLE_SPECS))
def test_the_loader_writes_every_column_of_every_table(name: str) -> None:
    spec = TABLE_SPECS[name]
    assert sorted(spec.columns) == sorted(spec.table.c.keys()), name
