"""Imports go one way (``.importlinter``): kit ← accounts ← notifications ← integrations ←
escalations ← knowledge ← reports | audit ← demo | ops ← config, and no cycles inside an app.
The contracts pass on the tree, and fail on a deliberately added upward import."""

import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = [
    "kit",
    "accounts",
    "notifications",
    "integrations",
    "escalations",
    "knowledge",
    "reports",
    "audit",
    "config",
    "demo",
    "ops",
]
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=where,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_every_contract():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_an_upward_import_breaks_the_layers_contract(tmp_path):
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    (tmp_path / "kit" / "upward.py").write_text("from escalations.models import Case\n")

    result = lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Apps import only the layers below them BROKEN" in result.stdout
    assert "kit is not allowed to import escalations" in result.stdout
    assert "kit.upward -> escalations.models" in result.stdout
