"""The house's shape: short functions in the product's code.

(The dependency rule, newsroom → comments → articles, is import-linter's contract in
pyproject.toml, run by ``make lint``; ruff's C901 and PLR0915 bound complexity.)
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("articles", "comments", "newsroom", "bench")
MAX_LINES = 60
# A function may run longer when the line before its ``def`` says why, starting so.
REASON = "# long:"


def long_functions() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = path.read_text().splitlines()
            for node in ast.walk(ast.parse("\n".join(lines))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = node.end_lineno - node.lineno + 1
                excused = first >= 2 and lines[first - 2].strip().startswith(REASON)
                if length > MAX_LINES and not excused:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    return found


def test_no_function_in_the_product_runs_over_sixty_lines():
    assert long_functions() == []


def test_the_length_check_finds_a_long_function(tmp_path, monkeypatch):
    """Positive control: the walker sees functions, and counts their lines."""
    package = tmp_path / "articles"
    package.mkdir()
    body = "\n".join(f"    x = {n}" for n in range(MAX_LINES))
    (package / "long.py").write_text(
        f"def too_long():\n{body}\n\n\n# long: a reason\ndef ok():\n{body}\n"
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert long_functions() == ["articles/long.py:1 too_long (61)"]
