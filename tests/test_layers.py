"""The package's layers (ARCHITECTURE.md): every module belongs to one, and imports only go
down. One table says what each layer may import; the test reads the real import graph from the
source with ``ast``, so an import hidden in a function counts as much as one at the top, and a
new module or folder that the table does not place fails the test until it is placed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import spapi_mock

pytestmark = pytest.mark.unit

PACKAGE = Path(spapi_mock.__file__).parent

# Where each module lives: the longest matching prefix wins.
LAYER_OF = {
    "spapi_mock.__main__": "entry",
    "spapi_mock.cli": "entry",
    "spapi_mock.testing": "entry",
    "spapi_mock.pytest_plugin": "entry",
    "spapi_mock.tools": "tools",
    "spapi_mock.http": "http",
    "spapi_mock.control": "control",
    "spapi_mock.runtime": "runtime",
    "spapi_mock.config": "runtime",
    "spapi_mock.feeds": "feeds",
    "spapi_mock.reports": "reports",
    "spapi_mock.notifications": "notifications",
    "spapi_mock.sellers": "sellers",
    "spapi_mock.finances": "finances",
    "spapi_mock.traffic": "traffic",
    "spapi_mock.views": "views",
    "spapi_mock.marketplace": "marketplace",
    "spapi_mock.errors": "errors",
    "spapi_mock.store": "store",
    "spapi_mock.domain": "domain",
    "spapi_mock.kernel": "kernel",
    "spapi_mock": "package",  # the package's own __init__: its version, nothing else
}

_BELOW_RUNTIME = {
    "feeds",
    "reports",
    "notifications",
    "sellers",
    "finances",
    "traffic",
    "views",
    "marketplace",
    "errors",
    "store",
    "domain",
    "kernel",
    "package",
}
# What each layer may import besides itself. Feeds and reports never import each other; traffic
# knows neither HTTP nor the marketplace; views shape stored documents and know only the domain.
MAY_IMPORT = {
    "entry": {"tools", "http", "control", "runtime"} | _BELOW_RUNTIME,
    "http": {"control", "runtime"} | _BELOW_RUNTIME,
    "control": {"runtime"} | _BELOW_RUNTIME,
    "runtime": _BELOW_RUNTIME,
    "feeds": {"views", "marketplace", "errors", "store", "domain", "kernel", "package"},
    "reports": {"views", "marketplace", "errors", "store", "domain", "kernel", "package"},
    "notifications": {"views", "marketplace", "errors", "store", "domain", "kernel", "package"},
    "sellers": {"marketplace", "store", "domain", "kernel", "package"},
    "finances": {"views", "marketplace", "errors", "store", "domain", "kernel", "package"},
    "traffic": {"errors", "domain", "kernel", "package"},
    "views": {"domain", "kernel", "package"},
    "marketplace": {"store", "domain", "kernel", "package"},
    "errors": {"store", "domain", "kernel", "package"},
    "store": {"domain", "kernel", "package"},
    "domain": {"kernel", "package"},
    "tools": {"domain", "kernel", "package"},
    "kernel": {"package"},
    "package": set(),
}
# Only these start a server, and so may import the application factory.
CALLERS_OF_APP = {"spapi_mock.cli", "spapi_mock.testing"}


def module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(path, package): path for path in package.rglob("*.py")}


def layer_of(module: str) -> str | None:
    for prefix in sorted(LAYER_OF, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYER_OF[prefix]
    return None


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports when it runs (TYPE_CHECKING blocks aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in known else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {target for target in found if target in known and target != name}


def graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    found = modules(package)
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    wrong = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            here, there = layer_of(source), layer_of(target)
            if here != there and there not in MAY_IMPORT[here]:
                wrong.append(f"{source} ({here}) imports {target} ({there})")
    return wrong


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                found.append(path[path.index(target) :] + [target])
            elif target not in state:
                walk(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node)
    return found


def test_every_module_has_a_layer():
    assert sorted(name for name in modules() if layer_of(name) is None) == []


def test_the_table_is_a_layering():
    """The table itself may not let two layers import each other, however indirectly."""
    assert cycles({layer: set(allowed) for layer, allowed in MAY_IMPORT.items()}) == []


def test_imports_only_go_down():
    assert upward_imports(graph()) == []


def test_only_the_code_that_starts_a_server_imports_the_application_factory():
    importers = {name for name, targets in graph().items() if "spapi_mock.http.app" in targets}
    assert importers <= CALLERS_OF_APP


def test_no_import_closes_a_cycle():
    assert cycles(graph()) == []


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "spapi_mock"
    for name, text in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_checker_sees_an_upward_import_hidden_in_a_function(tmp_path):
    """What the rule is about must be visible to it: an import inside a function, running up
    from the domain to the HTTP edge."""
    root = _package(
        tmp_path,
        {
            "domain/__init__.py": "",
            "domain/rules.py": "def f():\n    from ..http.app import create_app\n    return create_app\n",
            "http/__init__.py": "",
            "http/app.py": "def create_app():\n    pass\n",
        },
    )
    assert upward_imports(graph(root)) == ["spapi_mock.domain.rules (domain) imports spapi_mock.http.app (http)"]


def test_the_checker_refuses_feeds_and_reports_importing_each_other(tmp_path):
    root = _package(
        tmp_path,
        {"feeds/__init__.py": "from spapi_mock.reports import service\n", "reports/__init__.py": "", "reports/service.py": ""},
    )
    assert upward_imports(graph(root)) == ["spapi_mock.feeds (feeds) imports spapi_mock.reports.service (reports)"]
