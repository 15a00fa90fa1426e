"""The package's imports run one way: the domain imports nothing above it, nothing imports the
application factory but the code that starts a server, and no import, at module level or inside
a function, closes a cycle. Read from the source with ``ast``, so an import hidden in a function
counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import spapi_mock

PACKAGE = Path(spapi_mock.__file__).parent
# What the domain may lean on: plain utilities with no rules of their own.
BELOW_THE_DOMAIN = {"spapi_mock.dates", "spapi_mock.marketplaces"}
# Only these start a server, and so may import the application factory.
CALLERS_OF_APP = {"spapi_mock.cli", "spapi_mock.testing"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


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


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def test_the_domain_imports_nothing_above_it():
    def above(target: str) -> bool:
        return not target.startswith("spapi_mock.domain") and target not in BELOW_THE_DOMAIN

    found = {name: sorted(filter(above, targets)) for name, targets in graph().items() if name.startswith("spapi_mock.domain")}
    assert {name: targets for name, targets in found.items() if targets} == {}


def test_only_the_code_that_starts_a_server_imports_the_application_factory():
    importers = {name for name, targets in graph().items() if "spapi_mock.app" in targets}
    assert importers <= CALLERS_OF_APP


def test_no_import_closes_a_cycle():
    edges = graph()
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target) :] + [target])
            elif target not in state:
                walk(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node)
    assert cycles == []


def test_the_checker_sees_an_import_hidden_in_a_function(tmp_path):
    """A cycle through a function-level import is what the rule is about: the reader must see it."""
    module = tmp_path / "spapi_mock" / "x.py"
    module.parent.mkdir()
    module.write_text("def f():\n    from .app import create_app\n    return create_app\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path / "spapi_mock"
    try:
        assert imports("spapi_mock.x", module, {"spapi_mock.x", "spapi_mock.app"}) == {"spapi_mock.app"}
    finally:
        PACKAGE = saved
