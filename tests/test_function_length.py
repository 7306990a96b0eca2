"""No function in lib/ over 60 lines without a reason: on the line right under its signature (or
under its docstring) a comment ``# Long: <why>``. A short function needs no reason; a long one
either gets split or says why it is better whole."""

from __future__ import annotations

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib" / "veiligheidsanalyse"
MAX_LINES = 60
# Long functions in modules another change is still rewriting; delete an entry once it has its reason.
NOT_YET_REASONED: set[str] = set()


def _reason_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> range:
    """The lines where the ``# Long:`` comment may be: after the signature (or the docstring) and
    before the first statement."""
    body = node.body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        after = first.end_lineno + 1
        return range(after, body[1].lineno if len(body) > 1 else after)
    return range(node.lineno + 1, first.lineno)


def _has_reason(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(lines[n - 1].strip().startswith("# Long:") for n in _reason_lines(node))


def long_functions_without_reason() -> list[str]:
    found = []
    for path in sorted(LIB.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            length = node.end_lineno - node.lineno + 1
            if length <= MAX_LINES:
                continue
            if not _has_reason(lines, node) and f"{path.relative_to(LIB)} {node.name}" not in NOT_YET_REASONED:
                found.append(f"{path.relative_to(LIB)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_every_long_function_says_why():
    offenders = long_functions_without_reason()
    assert not offenders, (
        f"{len(offenders)} function(s) over {MAX_LINES} lines without a '# Long: <why>' comment "
        "right under the signature or docstring (split them, or say why they are whole):\n" + "\n".join(offenders)
    )


def test_the_check_sees_a_reason_and_its_absence(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    with_reason = f'def f():\n    """Doc."""\n    # Long: one table of constants\n{body}\n'
    without = f"def g():\n{body}\n"
    late = f"def h():\n{body}\n    # Long: too late, under the first statement\n    return 1\n"
    for text, expected in ((with_reason, True), (without, False), (late, False)):
        node = ast.parse(text).body[0]
        assert _has_reason(text.splitlines(), node) is expected
