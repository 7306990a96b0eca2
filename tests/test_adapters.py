"""Private internals of pinned libraries are used in adapters only, and only with the pinned version.

Every adapter (``report/adapters/``, ``sources/adapters/``) names its library, the version it was
written for and a check per internal it relies on. When a pin in pyproject.toml changes, these tests
fail and say which adapter to read again.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lib" / "veiligheidsanalyse"
ADAPTERS = (
    "veiligheidsanalyse.report.adapters.nbconvert",
    "veiligheidsanalyse.report.adapters.jupyter_client",
    "veiligheidsanalyse.sources.adapters.cbsodata",
    "veiligheidsanalyse.sources.adapters.requests",
)


def _pins() -> dict[str, str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return {name.lower(): version for name, version in re.findall(r'"([A-Za-z0-9_.-]+)==([^"]+)"', text)}


@pytest.mark.parametrize("name", ADAPTERS)
def test_adapter_was_written_for_the_pinned_and_installed_version(name):
    adapter = importlib.import_module(name)
    pinned = _pins().get(adapter.LIBRARY.lower())
    installed = metadata.version(adapter.LIBRARY)
    assert pinned == adapter.WRITTEN_FOR == installed, (
        f"{adapter.LIBRARY}: pyproject.toml pins {pinned}, {installed} is installed, and {name} was written for "
        f"{adapter.WRITTEN_FOR}. It relies on internals ({', '.join(adapter.INTERNALS)}); read the library's "
        f"changes, check them, then set WRITTEN_FOR"
    )


@pytest.mark.parametrize("name", ADAPTERS)
def test_every_internal_an_adapter_relies_on_is_there(name):
    adapter = importlib.import_module(name)
    missing = [what for what, check in adapter.INTERNALS.items() if not check()]
    assert not missing, (
        f"{adapter.LIBRARY} {metadata.version(adapter.LIBRARY)} (pinned for {name}: "
        f"{adapter.WRITTEN_FOR}) no longer has, or has changed: {'; '.join(missing)}"
    )


def _private_uses(path: Path) -> list[str]:
    """``from lib import _name`` and ``lib._name`` for libraries (not the package, not the standard library)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = ("veiligheidsanalyse",)
    stdlib = sys.stdlib_module_names
    libraries: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top not in stdlib and top not in own:
                    libraries.add(alias.asname or top)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            if top in stdlib or top in own:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.name}:{node.lineno}: from {node.module} import {alias.name}")
                libraries.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in libraries
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_private_internals_of_libraries_are_used_in_adapters_only():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "adapters" not in path.parts:
            found += _private_uses(path)
    assert not found, "private internals of a library outside an adapter module: " + "; ".join(found)
