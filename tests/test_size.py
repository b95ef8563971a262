"""Rooms stay small: no module over 450 lines, no function over 60, unless ARCHITECTURE.md names it and says why."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "govkit"
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60


def _allowed() -> str:
    """The part of ARCHITECTURE.md that names the exceptions (after the '## Size' heading)."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    return text[text.index("## Size") :]


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_no_module_over_the_limit_unless_explained() -> None:
    allowed = _allowed()
    over = []
    for path in sorted(SOURCE.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        name = str(path.relative_to(ROOT / "src"))
        if lines > MAX_MODULE_LINES and name not in allowed:
            over.append(f"{name}: {lines} lines")
    assert not over, "split these modules along their seams, or explain them in ARCHITECTURE.md: " + "; ".join(over)


def test_no_function_over_the_limit_unless_explained() -> None:
    allowed = _allowed()
    over = []
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        name = str(path.relative_to(ROOT / "src"))
        for function in _functions(tree):
            length = (function.end_lineno or function.lineno) - function.lineno + 1
            if length > MAX_FUNCTION_LINES and f"{name}:{function.name}" not in allowed:
                over.append(f"{name}:{function.name} ({length} lines)")
    assert not over, "shorten these functions, or explain them in ARCHITECTURE.md: " + "; ".join(over)
