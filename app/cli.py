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
    counts = ", ".join(f"{n} {table}" for table, n in summary.counts.items() if n)
    console.print(f"loaded {summary.files} file(s): {counts}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    seed: Annotated[bool, typer.Option(help="Migrate and load seed/ first")] = False,
) -> None:
    """Serve the dashboard and API with uvicorn."""
    import uvicorn

    if seed:
        prepare_database()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        server_header=False,
        proxy_headers=True,
        log_level="info",
    )


def prepare_database() -> None:
    """Migrate and load the seed dataset (idempotent: a re-load upserts the same rows)."""
    from app.loader import LoadError, load_paths
    from app.migrate import upgrade

    settings = get_settings()
    engine = _engine()
    upgrade(engine)
    try:
        summary = load_paths(engine, [settings.seed_dir])
    except LoadError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        sys.exit(f"seed dataset rejected: {len(exc.problems)} problem(s)")
    console.print(f"seed loaded: {summary.counts.get('projects', 0)} projects")


if __name__ == "__main__":
    app()
