"""The package's imports run one way: a module imports only from its own layer or lower ones, and no
module imports itself back through others (no cycles, not even inside a layer).

Every module is placed in LAYERS by hand: a new module fails this test until it is placed. Imports
inside functions count as much as those at the top; only imports under ``if TYPE_CHECKING:`` (type
hints, never executed) are left out. See the "Layout" section of the README.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "veiligheidsanalyse"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / "lib" / PACKAGE

FOUNDATION, CONFIG, SOURCES, STORE, CHAPTERS, NOTEBOOK, REPORT, CLI = range(8)
LAYER_NAMES = ("foundation", "config", "sources", "store", "chapters", "notebook", "report", "cli")

# Module (relative to the package; "" is the package itself) -> layer. A package entry ("stats")
# is its __init__.py, not its submodules.
LAYERS = {
    # 0 foundation: no data access, no configuration
    "paths": FOUNDATION,
    "typography": FOUNDATION,
    "dates": FOUNDATION,
    "hashing": FOUNDATION,
    "errors": FOUNDATION,
    "text": FOUNDATION,
    "config_errors": FOUNDATION,
    "indicators": FOUNDATION,
    "observations": FOUNDATION,
    "plots": FOUNDATION,
    "present": FOUNDATION,
    "stats": FOUNDATION,
    "stats._common": FOUNDATION,
    "stats.compare": FOUNDATION,
    "stats.disclosure": FOUNDATION,
    "stats.formatting": FOUNDATION,
    "stats.funnel": FOUNDATION,
    "stats.rates": FOUNDATION,
    "stats.signals": FOUNDATION,
    "stats.smallarea": FOUNDATION,
    "stats.survey": FOUNDATION,
    "stats.trend": FOUNDATION,
    "stats.verdicts": FOUNDATION,
    "maps": FOUNDATION,
    "maps.boundaries": FOUNDATION,
    "maps.simplify": FOUNDATION,
    "maps.classes": FOUNDATION,
    "maps.svg": FOUNDATION,
    "maps.choropleth": FOUNDATION,
    "sources.limits": FOUNDATION,
    "sources.partner_kinds": FOUNDATION,
    # 1 config
    "config_yaml": CONFIG,
    "config_schema": CONFIG,
    "config": CONFIG,
    # 2 sources: where the data comes from
    "sources": SOURCES,
    "sources.odata": SOURCES,
    "sources.fetch": SOURCES,
    "sources.snapshots": SOURCES,
    "sources.tables": SOURCES,
    "sources.regions": SOURCES,
    "sources.policy": SOURCES,
    "sources.boundaries": SOURCES,
    "sources.structure": SOURCES,
    "sources.demo": SOURCES,
    "maps.demo_grenzen": SOURCES,
    "sources.inputs": SOURCES,
    "sources.inputs.__main__": SOURCES,
    "sources.inputs.config": SOURCES,
    "sources.inputs.loading": SOURCES,
    "sources.inputs.problems": SOURCES,
    "sources.inputs.reading": SOURCES,
    "sources.inputs.templates": SOURCES,
    "sources.inputs.validate": SOURCES,
    "sources.inputs.writing": SOURCES,
    "sources.adapters": SOURCES,
    "sources.adapters.cbsodata": SOURCES,
    "sources.adapters.requests": SOURCES,
    # 3 store: the run's data
    "store": STORE,
    "store.build": STORE,
    "store.cache": STORE,
    "store.dataset": STORE,
    "store.status": STORE,
    "store.normalise": STORE,
    "store.prepare": STORE,
    "store.peers": STORE,
    # 4 analysis and chapters
    "analysis": CHAPTERS,
    "chapters": CHAPTERS,
    "chapters.page": CHAPTERS,
    "chapters.common": CHAPTERS,
    "chapters.criminaliteit": CHAPTERS,
    "chapters.digitaal": CHAPTERS,
    "chapters.disagreement": CHAPTERS,
    "chapters.family": CHAPTERS,
    "chapters.fysiek": CHAPTERS,
    "chapters.gebied": CHAPTERS,
    "chapters.jeugd": CHAPTERS,
    "chapters.kaarten": CHAPTERS,
    "chapters.kernen": CHAPTERS,
    "chapters.methode": CHAPTERS,
    "chapters.ondermijning": CHAPTERS,
    "chapters.overlast": CHAPTERS,
    "chapters.regio": CHAPTERS,
    "chapters.synthese": CHAPTERS,
    "chapters.zorg": CHAPTERS,
    # 5 what notebooks call
    "notebook": NOTEBOOK,
    "": NOTEBOOK,
    # 6 report: runs the notebooks and publishes the pages (plan -> execute -> pages -> publish)
    "report.plan": REPORT,
    "report.execute": REPORT,
    "report.jobs": REPORT,
    "report.pages": REPORT,
    "report.publish": REPORT,
    "report.runlog": REPORT,
    "report.adapters": REPORT,
    "report.adapters.jupyter_client": REPORT,
    "report.adapters.nbconvert": REPORT,
    "report": REPORT,
    "report.checklist": REPORT,
    "report.export": REPORT,
    "report.fetch_command": REPORT,
    "report.forkserver": REPORT,
    "report.incremental": REPORT,
    "report.index": REPORT,
    "report.init_command": REPORT,
    "report.lock": REPORT,
    "report.manifest": REPORT,
    "report.outputs_index": REPORT,
    "report.pool": REPORT,
    "report.processes": REPORT,
    "report.retention": REPORT,
    "report.runner": REPORT,
    "report.validate": REPORT,
    "report.worker": REPORT,
    # 7 the command line
    "cli": CLI,
}

# Cycles that another change is removing, each with the reason; empty when there are none.
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def module_name(path: Path) -> str:
    """'report/worker.py' -> 'report.worker'; a package's __init__.py is the package."""
    parts = list(path.relative_to(PACKAGE_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py")) if "__pycache__" not in p.parts}


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:`` (never executed)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: set[str]) -> list[str]:
    """The package modules an import statement loads (relative to the package), none for outside ones."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
        return [n.removeprefix(PACKAGE).lstrip(".") for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")]
    if node.level:
        base = module.split(".") if module else []
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        origin = ".".join(base + ([node.module] if node.module else []))
    elif node.module == PACKAGE or (node.module or "").startswith(PACKAGE + "."):
        origin = node.module.removeprefix(PACKAGE).lstrip(".")
    else:
        return []
    out = []
    for alias in node.names:
        sub = f"{origin}.{alias.name}" if origin else alias.name
        out.append(sub if sub in known else origin)  # "from .stats import compare": the module compare
    return out


def import_edges(modules: dict[str, Path]) -> list[tuple[str, int, str]]:
    """(importing module, line, imported module) for every executed import of a package module."""
    known = set(modules)
    edges = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skipped = _type_checking_only(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skipped:
                for target in _targets(module, path.name == "__init__.py", node, known):
                    if target != module:
                        edges.append((module, node.lineno, target))
    return edges


def cycles(edges: list[tuple[str, int, str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for source, _line, target in edges:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

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
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _file(module: str, modules: dict[str, Path]) -> str:
    return str(modules[module].relative_to(PACKAGE_DIR.parents[1]))


def _layer(module: str) -> str:
    return f"{LAYER_NAMES[LAYERS[module]]} ({LAYERS[module]})"


def test_every_module_has_a_layer():
    missing = sorted(set(package_modules()) - set(LAYERS))
    assert not missing, (
        "modules without a layer: place each in LAYERS of tests/test_layers.py "
        f"(and in the README's Layout): {', '.join(m or PACKAGE for m in missing)}"
    )


def test_the_layer_table_names_only_existing_modules():
    stale = sorted(set(LAYERS) - set(package_modules()))
    assert not stale, f"LAYERS names modules that do not exist (moved or removed?): {', '.join(stale)}"


def test_no_module_imports_from_a_higher_layer():
    modules = package_modules()
    upward = [
        f"{_file(source, modules)}:{line} imports {PACKAGE}.{target} ({_layer(target)}) from layer {_layer(source)}"
        for source, line, target in import_edges(modules)
        if source in LAYERS and target in LAYERS and LAYERS[target] > LAYERS[source]
    ]
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def test_no_import_cycles():
    modules = package_modules()
    edges = import_edges(modules)
    found = [c for c in cycles(edges) if frozenset(c) not in KNOWN_CYCLES]
    lines = []
    for component in found:
        members = set(component)
        inside = [
            f"  {_file(s, modules)}:{line} imports {PACKAGE}.{t}"
            for s, line, t in edges
            if s in members and t in members
        ]
        lines.append(f"cycle among {', '.join(component)}:\n" + "\n".join(inside))
    assert not found, "import cycles:\n" + "\n".join(lines)


def test_known_cycles_still_exist():
    """A cycle that was removed leaves KNOWN_CYCLES too, so the exception does not outlive its reason."""
    current = {frozenset(c) for c in cycles(import_edges(package_modules()))}
    gone = [sorted(c) for c in KNOWN_CYCLES if c not in current]
    assert not gone, f"KNOWN_CYCLES lists cycles that no longer exist: {gone}"


@pytest.mark.parametrize(
    "edges, expected",
    [
        ([("a", 1, "b"), ("b", 2, "a"), ("b", 3, "c")], [["a", "b"]]),
        ([("a", 1, "b"), ("b", 2, "c"), ("c", 3, "a"), ("d", 4, "a")], [["a", "b", "c"]]),
        ([("a", 1, "b"), ("b", 2, "c")], []),
    ],
)
def test_cycles_finds_modules_that_import_each_other(edges, expected):
    assert cycles(edges) == expected


def test_imports_resolve_relative_and_function_level_and_skip_type_checking(tmp_path: Path):
    source = (
        "from typing import TYPE_CHECKING\nfrom ..stats import compare, format_nl\n"
        "import veiligheidsanalyse.paths\n"
        "if TYPE_CHECKING:\n    from ..report import runner\n"
        "def f():\n    from ..report.runner import run\n"
    )
    tree = ast.parse(source)
    skipped = _type_checking_only(tree)
    known = {"stats", "stats.compare", "paths", "report", "report.runner", "store.build"}
    found = [
        (node.lineno, t)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skipped
        for t in _targets("store.build", False, node, known)
    ]
    assert sorted(found) == [(2, "stats"), (2, "stats.compare"), (3, "paths"), (7, "report.runner")]
