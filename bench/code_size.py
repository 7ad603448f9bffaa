"""Module and function sizes of the `tribes` package (issue 10's before/after figures).

    python bench/code_size.py [GIT_REVISION]   # default: the work tree

Prints the median and the five largest modules (lines) and functions (lines, decorators
excluded), read with `ast` from the work tree or from `git show REVISION:path`.
"""

from __future__ import annotations

import ast
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sources(revision: str | None) -> dict[str, str]:
    """Every tribes/**/*.py file's text, at a revision or in the work tree."""
    if revision is None:
        return {str(p.relative_to(ROOT)): p.read_text() for p in sorted((ROOT / "tribes").rglob("*.py"))}
    names = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", revision, "tribes"], cwd=ROOT, check=True,
        capture_output=True, text=True,
    ).stdout.split()
    return {
        name: subprocess.run(["git", "show", f"{revision}:{name}"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        for name in names if name.endswith(".py")
    }


def main() -> None:
    revision = sys.argv[1] if len(sys.argv) > 1 else None
    files = sources(revision)
    modules = {name: len(text.splitlines()) for name, text in files.items()}
    functions: dict[str, int] = {}
    for name, text in files.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
                functions[f"{name}:{node.name}"] = node.end_lineno - node.lineno + 1
    for label, sizes in (("modules", modules), ("functions", functions)):
        top = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
        print(f"{label}: {len(sizes)}, median {statistics.median(sizes.values()):.0f} lines, "
              f"total {sum(sizes.values())}")
        for item, size in top:
            print(f"  {size:5d}  {item}")


if __name__ == "__main__":
    main()
