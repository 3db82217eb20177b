"""credentials.formats stays a pure core: no web/ORM frameworks, no other project package."""

from __future__ import annotations

import ast
from pathlib import Path

import credentials.formats

FORBIDDEN_ROOTS = {"flask", "sqlalchemy", "keys", "idp", "verify", "admin", "identifiers"}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
            if node.module.startswith("credentials.") and not node.module.startswith(
                "credentials.formats"
            ):
                roots.add("credentials-outside-formats")
    return roots


def test_no_forbidden_imports() -> None:
    package = Path(credentials.formats.__file__).parent
    for module in package.glob("*.py"):
        bad = _imported_roots(module) & (FORBIDDEN_ROOTS | {"credentials-outside-formats"})
        assert not bad, f"{module.name} imports {bad}"
