"""The `bri-tracker` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.config import get_settings

app = typer.Typer(
    help="Green BRI Tracker: serve, migrate, load and export the dataset.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
import_app = typer.Typer(help="Import outside datasets.", no_args_is_help=True)
app.add_typer(import_app, name="import")
console = Console(stderr=True)


def _engine():  # type: ignore[no-untyped-def]
    from app.db import build_engine

    return build_engine(get_settings())


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Create or migrate the database schema to the latest revision."""
    from app.migrate import upgrade

    upgrade(_engine(), revision)
    console.print(f"database at {revision}: {get_settings().database_url}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument("base", help="Target revision")) -> None:
    """Undo migrations down to a revision (base drops every table)."""
    from app.migrate import downgrade

    downgrade(_engine(), revision)


def _progress_factory(progress: Progress) -> Callable[[str, int], Callable[[int], None]]:
    def factory(label: str, total: int) -> Callable[[int], None]:
        task = progress.add_task(label, total=total)
        return lambda n: progress.advance(task, n)

    return factory


@app.command()
def load(
    paths: Annotated[list[Path], typer.Argument(help="Dataset directories or files (YAML, CSV)")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
) -> None:
    """Validate a dataset and apply it in one transaction (upsert by slug)."""
    from sqlalchemy.exc import OperationalError

    from app.loader import LoadError, load_paths
    from app.migrate import upgrade

    engine = _engine()
    upgrade(engine)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console, disable=quiet, transient=True) as progress:
            summary = load_paths(engine, paths, progress=_progress_factory(progress))
    except LoadError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        console.print(f"[red]rejected:[/red] {len(exc.problems)} problem(s); nothing was written")
        raise typer.Exit(code=1) from None
    except OperationalError as exc:
        if "locked" not in str(exc).lower():
            raise
        console.print(
            "[red]refused:[/red] another load holds the database (database is locked); "
            "nothing was written, try again when it has finished"
        )
        raise typer.Exit(code=1) from None
    counts = ", ".join(f"{n} {table}" for table, n in summary.counts.items() if n)
    console.print(f"loaded {summary.files} file(s): {counts}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    seed: Annotated[bool, typer.Option(help="Migrate and load seed/ first")] = False,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (a proxy in front usually does)")
    ] = False,
) -> None:
    """Serve the dashboard and API with uvicorn."""
    import uvicorn

    from app.db import DatabaseUnavailable, check_database
    from app.server import uvicorn_options

    if seed:
        prepare_database()
    try:
        check_database(_engine())
    except DatabaseUnavailable as exc:
        console.print(f"[red]cannot start:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(code=2) from None
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        **uvicorn_options(get_settings(), workers=workers),
        log_level="info",
        access_log=access_log,
    )


def prepare_database() -> None:
    """Migrate and load the seed dataset into the configured database, or exit saying why."""
    from app.loader import LoadError
    from app.seeding import prepare_database as migrate_and_seed

    settings = get_settings()
    try:
        seeded = migrate_and_seed(settings)
    except LoadError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        sys.exit(f"seed dataset rejected: {len(exc.problems)} problem(s)")
    console.print(f"seed loaded: {seeded.load.counts.get('projects', 0)} projects")
    if seeded.aiddata is not None:
        _print_report(seeded.aiddata, settings.aiddata_file, verbose=False)


@import_app.command("aiddata")
def import_aiddata_command(
    file: Annotated[Path, typer.Argument(help="AidData GCDF 3.0 CSV (a mapping.yaml beside it)")],
    mapping: Annotated[
        Path | None, typer.Option(help="Mapping of AidData ids to curated project slugs")
    ] = None,
) -> None:
    """Import AidData financing records as projects and financing, in one transaction."""
    from app.migrate import upgrade

    engine = _engine()
    upgrade(engine)
    _import_aiddata(engine, file, mapping=mapping)


def _import_aiddata(engine, file: Path, *, mapping: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    from app.aiddata.importer import import_aiddata
    from app.loader import LoadError

    try:
        report = import_aiddata(engine, file, mapping)
    except LoadError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        console.print(f"[red]rejected:[/red] {len(exc.problems)} problem(s); nothing was written")
        raise typer.Exit(code=1) from None
    _print_report(report, file, verbose=True)


def _print_report(report, file: Path, *, verbose: bool) -> None:  # type: ignore[no-untyped-def]
    """The import report; `make run` prints the counts, the command every record left out."""
    lines = report.lines()
    if not verbose:
        left = len(report.not_projects) + len(report.outside_taxonomy)
        lines = lines[:3] + [
            f"{left} records left out (not a project, or no technology of ours): "
            f"`bri-tracker import aiddata {file}` lists them with the reason"
        ]
    for line in lines:
        typer.echo(line, err=True)


@app.command()
def check(
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 if any claim or check input lacks a source")
    ] = False,
) -> None:
    """Plausibility report: every emission claim with its verdict and expected range."""
    import json

    from rich.table import Table
    from sqlmodel import Session

    from app.queries.checks import CheckView, all_checks
    from app.units import format_number as fmt

    def cells(c: CheckView) -> tuple[str, ...]:
        qualifier = (
            "" if c.claim_qualifier == "exact" else c.claim_qualifier.replace("_", " ") + " "
        )
        high = f"–{c.claim_value_high:g}" if c.claim_value_high is not None else ""
        expected = (
            f"{fmt(c.expected_low)}–{fmt(c.expected_high)} {c.expected_unit}"
            if c.expected_low is not None and c.expected_high is not None
            else ""
        )
        return (
            c.metric_slug,
            f"{qualifier}{c.claim_value:g}{high} {c.claim_unit} ({c.claim_period})",
            c.check_name,
            c.reading,
            c.verdict_label,
            expected,
            f"{c.ratio:.2f}" if c.ratio is not None else "",
            _implied(c),
            c.verdict_text or c.missing or "",
        )

    def _implied(c: CheckView) -> str:
        implied = (c.ladder or {}).get("implied")
        return fmt(implied["value"]) if implied else ""

    engine = _engine()
    try:
        with Session(engine) as session:
            checks = all_checks(session)
    except Exception as exc:  # no schema yet: say how to create it rather than a traceback
        typer.echo(
            f"cannot read the claim checks ({exc.__class__.__name__}); run "
            "`bri-tracker db upgrade` and `bri-tracker load seed` first",
            err=True,
        )
        raise typer.Exit(code=2) from None
    unsourced = [
        c.metric_slug
        for c in checks
        if not c.has_source or any(not i.source_slug for i in c.inputs if i.name != "line length")
    ]
    if as_json:
        typer.echo(
            json.dumps([c.model_dump(mode="json") for c in checks], indent=2, ensure_ascii=False)
        )
    else:
        table = Table(title=f"Claim checks ({len(checks)})", show_lines=False)
        for column in (
            "claim",
            "claimed",
            "check",
            "reading",
            "verdict",
            "expected",
            "ratio",
            "implied t/MWh",
            "verdict text / missing",
        ):
            table.add_column(column, overflow="fold")
        for c in checks:
            table.add_row(*cells(c))
        Console(width=220).print(table)
    if unsourced:
        typer.echo(
            f"{len(unsourced)} check(s) with an unsourced claim or input: "
            + ", ".join(sorted(set(unsourced))),
            err=True,
        )
        if strict:
            raise typer.Exit(code=1)


@app.command()
def export(
    directory: Annotated[Path, typer.Argument(help="Directory to write the data package into")],
) -> None:
    """Write the dataset as a Frictionless data package (datapackage.json + one CSV per table).

    `bri-tracker load DIRECTORY` re-loads it into an empty database with nothing lost.
    """
    from app.exports import export_package

    with _engine().connect() as conn:
        written = export_package(conn, directory)
    console.print(f"wrote {len(written)} files to {directory}")


if __name__ == "__main__":
    app()
