"""Imports run one way, down the data flow, and no two modules import each other (function-level imports included).

cli -> web -> api -> ingest -> map/store/pipeline/evaluate -> resolve -> recognise
-> gazetteer/geocoders -> models/config/errors and the other shared leaves.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "geomap"

# Top-level part of the package -> its layer; a module may import its own layer or any lower one.
LAYERS: dict[str, int] = {
    "cli": 9,
    "web": 8,
    "api": 7,
    "ingest": 6,
    "map": 5,
    "store": 5,
    "pipeline": 5,
    "evaluate": 5,
    "resolve": 4,
    "recognise": 3,
    "gazetteer": 2,
    "geocoders": 2,
}
LEAF = 1  # models, config, errors, textparams, distance, textio, _version: import nothing above them
FACADE = 10  # the package root re-exports parse() from the pipeline: nothing inside geomap imports it


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every geomap module ``path`` imports, wherever the import statement stands."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "geomap")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "geomap":
                continue
            # "from . import queries" depends on that module, not on the package's __init__
            modules = [f"{target}.{a.name}" for a in node.names if _is_module(f"{target}.{a.name}")]
            found.update(modules)
            if len(modules) < len(node.names):
                found.add(target)
    found.discard(module)
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], LEAF) if len(parts) > 1 else FACADE


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): {m for m in _imports(p) if _is_module(m)} for p in sorted(PACKAGE.rglob("*.py"))}


def test_imports_run_down_the_layers() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in sorted(targets)
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_checker_sees_function_level_and_relative_imports() -> None:
    """The walker must see imports inside functions (where a cycle would hide) and resolve relative ones."""
    imports = _imports(PACKAGE / "cli" / "serve.py")
    assert "geomap.web" in imports or any(m.startswith("geomap.web.") for m in imports)  # imported inside serve()
    assert _layer("geomap.web.pages") > _layer("geomap.api.routes") > _layer("geomap.store.queries")
