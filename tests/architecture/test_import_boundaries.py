"""The import rules hold, and each is shown to catch a planted violation."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "importlinter.ini", "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    for name in ("shop", "contracts"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "importlinter.ini", tmp_path)
    return tmp_path


def test_the_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("offender", "offending_import", "broken_contract"),
    [
        (
            "shop/orders/placement.py",
            "import shop.inventory.models",
            "Domain apps are independent",
        ),
        ("contracts/orders.py", "import django.db", "Contracts import only the standard library"),
        ("contracts/payments.py", "import shop.platform", "Contracts import only the standard"),
        ("shop/platform/bindings.py", "import shop.payments.facade", "The platform imports no"),
        ("shop/inventory/models.py", "import shop.inventory.services", "Layers inside each app"),
        ("shop/payments/services.py", "import shop.payments.http.urls", "Layers inside each app"),
    ],
)
def test_a_planted_violation_fails_the_linter(
    tree_copy: Path, offender: str, offending_import: str, broken_contract: str
):
    path = tree_copy / offender
    path.write_text(path.read_text() + f"\n{offending_import}  # planted\n")

    result = lint_imports(tree_copy)

    assert result.returncode != 0
    broken_lines = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(broken_contract) for line in broken_lines), result.stdout


def test_a_module_outside_the_layers_fails_the_linter(tree_copy: Path):
    (tree_copy / "shop" / "orders" / "stray.py").write_text('"""Placed nowhere."""\n')

    result = lint_imports(tree_copy)

    assert result.returncode != 0
    assert "shop.orders.stray" in result.stdout
