"""Package structure: light imports stay light, and no module imports itself in a circle."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "flo_bayes"


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("module", ["flo_bayes.io", "flo_bayes.io.load", "flo_bayes.io.writers"])
def test_loading_input_loads_no_campaign_report_or_plotting_module(module):
    loaded = _loaded_after(f"import {module}")
    heavy = [
        m
        for m in loaded
        if m.startswith(("flo_bayes.campaigns", "flo_bayes.report", "flo_bayes.workflow"))
        or m.startswith(("flo_bayes.diagnostics", "flo_bayes.models", "flo_bayes.api"))
        or m.split(".")[0] in ("matplotlib", "xlsxwriter", "scipy", "pymc", "arviz")
    ]
    assert heavy == []


def test_config_is_a_leaf_package():
    loaded = _loaded_after("import flo_bayes.config")
    ours = [m for m in loaded if m.startswith("flo_bayes")]
    outside = [m for m in ours if not m.startswith("flo_bayes.config")]
    assert outside == ["flo_bayes", "flo_bayes.errors"]
    assert "polars" not in loaded


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, modules: set[str]) -> set[str]:
    """Modules of the package this module imports, at import time or inside functions."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)  # annotations only: not an import at run time
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
        stack.extend(ast.iter_child_nodes(node))
    return {m for m in found if m in modules}


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    return {
        name: _imports(ast.parse(path.read_text(encoding="utf-8")), modules) - {name}
        for name, path in files.items()
    }


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


def _without_package_reexports(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    # A package's __init__ re-exporting its own submodules is not a cycle of theirs.
    return {
        name: {m for m in deps if not (m.startswith(name + ".") or name.startswith(m + "."))}
        for name, deps in graph.items()
    }


def test_no_import_cycle_between_modules():
    assert _cycles(_without_package_reexports(_graph())) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_benchmarks_and_streaming_are_not_in_the_installed_package():
    names = set(_graph())
    assert not any(n.startswith("flo_bayes.benchmarking") for n in names)
    assert "flo_bayes.segmentation.streaming" not in names


_HEAVY = ("pymc", "pymc_marketing", "pytensor", "arviz", "matplotlib", "nutpie")


def test_cli_help_and_validate_load_no_sampler_or_plotting_library():
    # What `flo-bayes --help` and `flo-bayes validate` import (cli.validate's function body).
    loaded = _loaded_after(
        "import flo_bayes.cli\n"
        "from flo_bayes.config import apply_overrides, load_config\n"
        "from flo_bayes.io.inputs import NoUsableRowsError\n"
        "from flo_bayes.workflow.load import load_and_prepare"
    )
    assert [m for m in loaded if m.split(".")[0] in _HEAVY] == []


def test_campaigns_package_loads_its_modules_on_first_use():
    loaded = _loaded_after("import flo_bayes.campaigns")
    assert [m for m in loaded if m.startswith("flo_bayes.campaigns.")] == []
    loaded = _loaded_after("from flo_bayes.campaigns import plan_campaigns")
    assert "flo_bayes.campaigns.plan" in loaded


def test_convergence_diagnostics_load_arviz_only_when_called():
    loaded = _loaded_after("import flo_bayes.diagnostics.convergence")
    assert [m for m in loaded if m.split(".")[0] in ("arviz", "xarray")] == []


def test_compiled_posteriors_load_no_pymc():
    # The cached numba posteriors only need NumPy, numba and (when sampling) nutpie.
    loaded = _loaded_after("import flo_bayes.models.compiled_cache")
    assert [m for m in loaded if m.split(".")[0] in ("pymc", "pymc_marketing", "pytensor")] == []
