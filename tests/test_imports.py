"""The shape of the house: no import cycle in app/, and each room imports only what it may.

Every `import` and `from ... import` in app/ counts, at module level or inside a function: an
import moved into a function to dodge a cycle is still a cycle for the reader.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from app.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
# Rooms that know HTTP. Nothing else may import them: records, filters and queries know no
# request, so the pages, the API, the downloads and the CLI can all call them.
ROUTERS = ("app.web", "app.api", "app.downloads")
HTTP_ROOMS = (*ROUTERS, "app.http")
HTTP_USERS = (*HTTP_ROOMS, "app.main")
# What app/http may use of app/web: the templates (to render the error page) and what they need.
WEB_FOR_HTTP = ("app.web.templating", "app.web.static", "app.web.security")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(APP.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """The app modules `name` imports (a `from package import module` names the module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_the_imports() -> None:
    assert "app.db" in GRAPH["app.main"]
    assert len(GRAPH) > 20


def test_no_import_cycle_in_app() -> None:
    assert _cycles(GRAPH) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _in(module: str, rooms: tuple[str, ...]) -> bool:
    return any(module == room or module.startswith(room + ".") for room in rooms)


def test_only_the_http_layer_imports_the_http_layer() -> None:
    """Records, filters and queries know no HTTP: no web, API or http module below them."""
    wrong = {
        (name, imported)
        for name, imports in GRAPH.items()
        if not _in(name, HTTP_USERS)
        for imported in imports
        if _in(imported, HTTP_ROOMS)
    }
    assert wrong == set()


def test_the_routers_do_not_import_each_other() -> None:
    """Pages, API and downloads share app/http and the rooms, never one another's modules."""
    wrong = {
        (name, imported)
        for name, imports in GRAPH.items()
        for imported in imports
        for router in ROUTERS
        if _in(name, ROUTERS) and _in(imported, (router,)) and not _in(name, (router,))
    }
    assert wrong == set()


def test_the_http_layer_uses_only_the_templates_of_the_pages() -> None:
    wrong = {
        (name, imported)
        for name, imports in GRAPH.items()
        if _in(name, ("app.http",))
        for imported in imports
        if _in(imported, ROUTERS) and imported not in WEB_FOR_HTTP
    }
    assert wrong == set()


def test_importing_the_app_leaves_sqlite3_adapters_alone() -> None:
    """sqlite3's adapter table is process-wide: importing our modules must not change it."""
    code = (
        "import sqlite3; before = dict(sqlite3.adapters); "
        "import app.main, app.db, app.loader, app.cli; "
        "assert dict(sqlite3.adapters) == before, set(sqlite3.adapters) - set(before)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
