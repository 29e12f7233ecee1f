"""``kit`` sits under every app: it may import the standard library and Django, never an app of
this project (an app importing ``kit`` must not bring a circle with it)."""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_of_the_kit_imports_an_app():
    base = Path(settings.BASE_DIR)
    ours = {config.name.split(".")[0] for config in apps.get_app_configs()}
    ours = {name for name in ours if (base / name).is_dir()} | {"config", "tests"}
    modules = sorted((base / "kit").rglob("*.py"))
    assert modules
    found = {str(m.relative_to(base)): _imported_roots(m) & ours for m in modules}
    assert found == {name: set() for name in found}
