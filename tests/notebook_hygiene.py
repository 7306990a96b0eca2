"""Notebooks are committed clean: the project kernel, a title, one literal parameters cell, no outputs.

One check for the test suite (tests/test_demo_and_hygiene.py) and the pre-commit hook, which runs
this file on the notebooks being committed:

    python tests/notebook_hygiene.py notebooks/01_criminaliteit.ipynb ...

Without arguments it checks every notebook under notebooks/, notebooks/regio/ included.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERNEL = "veiligheidsanalyse"


def all_notebooks(root: Path = ROOT) -> list[Path]:
    """Every notebook under notebooks/, subfolders included, without Jupyter's checkpoints."""
    return sorted(p for p in (root / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def notebook_problems(path: Path) -> list[str]:
    """What keeps ``path`` from being committed as it is; empty when it is clean."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    metadata = nb.get("metadata", {})
    if metadata.get("kernelspec", {}).get("name") != KERNEL:
        problems.append(f"kernel is not {KERNEL!r}")
    if not metadata.get("veiligheidsanalyse", {}).get("titel"):
        problems.append("metadata.veiligheidsanalyse.titel is missing")
    for number, cell in enumerate(nb["cells"], start=1):
        if cell.get("outputs"):
            problems.append(f"cell {number} has outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {number} has an execution count")
    params = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(params) != 1:
        problems.append(f"{len(params)} cells are tagged 'parameters' (expected 1)")
    elif not _literal_assignments(params[0]):
        # papermill injects new values after this cell; a derived value would keep its default
        problems.append("the parameters cell holds more than literal assignments")
    return problems


def _literal_assignments(cell: dict) -> bool:
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    return all(isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) for node in ast.parse(source).body)


def main(paths: list[str]) -> int:
    notebooks = [Path(p) for p in paths] or all_notebooks()
    failed = 0
    for path in notebooks:
        for problem in notebook_problems(path):
            print(f"{path}: {problem}")
            failed += 1
    if failed:
        print("clear the outputs before committing (Jupyter: Edit > Clear Outputs of All Cells)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
