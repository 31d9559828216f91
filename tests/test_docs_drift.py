"""Docs that drift from the code fail here: settings in the README, tables in the data format."""

from __future__ import annotations

from app.config import PROJECT_ROOT, Settings
from app.loader import INPUT_MODELS

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
DATA_FORMAT = (PROJECT_ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme() -> None:
    for name in Settings.model_fields:
        assert f"`BRI_{name.upper()}`" in README, name


def test_every_loader_table_is_documented() -> None:
    for table in INPUT_MODELS:
        assert f"{table}.csv" in DATA_FORMAT, table


def test_loader_limits_are_the_documented_ones() -> None:
    from app.loader.reading import MAX_CSV_FIELD_CHARS, MAX_YAML_BYTES, MAX_YAML_DEPTH

    assert f"larger than {MAX_YAML_BYTES}\n  bytes" in DATA_FORMAT
    assert f"deeper than {MAX_YAML_DEPTH} levels" in DATA_FORMAT
    assert f"longer than {MAX_CSV_FIELD_CHARS} characters" in DATA_FORMAT


def test_server_limits_are_documented_for_the_proxy() -> None:
    deployment = (PROJECT_ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    for name in (
        "max_header_bytes",
        "header_timeout_s",
        "keep_alive_timeout_s",
        "max_connections",
        "export_concurrency",
    ):
        default = Settings.model_fields[name].default
        assert f"| `BRI_{name.upper()}` | {default:g} |" in deployment, name
