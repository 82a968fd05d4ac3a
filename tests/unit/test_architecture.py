"""The shape of ``src/reader``: no import cycles between its modules, and the domain below
the command line and the UI (nothing outside them imports ``reader.cli``,
``reader.commands`` or ``reader.tui``).

Imports are read from the source with ``ast``: module-level and function-level alike, since
a function-level import still ties two modules together at run time. Imports under
``if TYPE_CHECKING:`` are left out: they never run. Importing a submodule also runs its
package's ``__init__``, but that is how every package works, so it is not counted as an
edge of its own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import reader

SOURCE = Path(reader.__file__).parent
CLI_LAYER = ("reader.cli", "reader.commands", "reader.__main__")
UI_LAYER = ("reader.tui",)
# Cycles other branches of issue 8 remove (formats, engine-port and tui branches). The lead
# deletes this allowance when those branches are merged; nothing may be added to it.
KNOWN_CYCLES: list[set[str]] = []


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Every module under ``root`` (the folder of ``package``) by dotted name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement under ``node`` that can run (not under TYPE_CHECKING)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _imports_of(other)
            continue
        yield from _imports_of(child)


def _imports_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _imports(node)


def _nearest(name: str, modules: Mapping[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """For each module, the modules of the same tree it imports."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(_nearest(alias.name, modules) for alias in node.names)
                continue
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(full if full in modules else _nearest(base, modules))
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _in(name: str, layer: tuple[str, ...]) -> bool:
    return any(name == top or name.startswith(f"{top}.") for top in layer)


GRAPH = import_graph(module_files(SOURCE, "reader"))


def test_the_graph_is_real() -> None:
    assert "reader.commands.render" in GRAPH["reader.cli"]
    assert "reader.narration.outputs" in GRAPH["reader.narration.pipeline"]
    # A function-level import counts.
    assert "reader.tui.app" in GRAPH["reader.commands.documents"]


def test_no_import_cycles() -> None:
    unexpected = [sorted(c) for c in cycles(GRAPH) if c not in KNOWN_CYCLES]
    assert unexpected == []


def test_the_domain_never_imports_the_command_line_or_the_ui() -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        if not _in(name, CLI_LAYER + UI_LAYER)
        for target in targets
        if _in(target, CLI_LAYER + UI_LAYER)
    )
    assert wrong == []


def _package(root: Path, files: dict[str, str]) -> dict[str, set[str]]:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return import_graph(module_files(root / "pkg", "pkg"))


@pytest.mark.parametrize(
    ("a_source", "expected"),
    [
        ("def f():\n    from pkg import b\n", [{"pkg.a", "pkg.b"}]),
        ("from . import b\n", [{"pkg.a", "pkg.b"}]),
        ("import pkg.b.thing\n", [{"pkg.a", "pkg.b"}]),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import b\n", []),
        ("from pkg.c import x\n", []),
    ],
)
def test_the_checker_finds_cycles(tmp_path: Path, a_source: str, expected: list[set[str]]) -> None:
    graph = _package(
        tmp_path,
        {"__init__.py": "", "a.py": a_source, "b.py": "from pkg.a import f\n", "c.py": ""},
    )
    assert cycles(graph) == expected
