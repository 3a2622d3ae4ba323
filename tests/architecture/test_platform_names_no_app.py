"""The platform names no domain app: everything app-specific comes from the apps'
``AppConfig``. Imports are the linter's business; this catches the names the linter
cannot see: string literals (``("inventory", "orders", "payments")``) and
identifiers (``class PaymentsOutboxMessage``). Docstrings and comments may give
examples; code may not."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "shop" / "platform"


def words(text: str) -> set[str]:
    """The lower-case words of ``text``: ``PaymentsOutboxMessage`` → payments, outbox, message."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return {word.lower() for word in re.split(r"[^A-Za-z0-9]+", spaced) if word}


def docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def app_names_in(source: str, app_names: set[str]) -> list[str]:
    """Where ``source`` names one of ``app_names`` in code, as ``line: text``."""
    tree = ast.parse(source)
    skipped = docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in skipped:
                continue
            text = node.value
        elif isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | ast.alias):
            text = node.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            text = node.module
        else:
            continue
        if words(text) & app_names:
            found.append(f"{getattr(node, 'lineno', '?')}: {text}")
    return found


def platform_sources() -> list[Path]:
    # Migrations are history: they record the names of models that no longer exist.
    # The compiled protobuf modules are the contracts' wire, generated from contracts/.
    platform = [
        path
        for path in PLATFORM.rglob("*.py")
        if "migrations" not in path.parts and path.parent.name != "generated"
    ]
    # The project's modules too (URLconf, WSGI/ASGI): only settings.DOMAIN_APPS names apps.
    project = [path for path in (ROOT / "shop").glob("*.py") if path.name != "settings.py"]
    return platform + project


def test_the_platform_code_names_no_app():
    app_names = set(settings.DOMAIN_APPS)
    offenders = {
        str(path.relative_to(ROOT)): names
        for path in platform_sources()
        if (names := app_names_in(path.read_text(), app_names))
    }
    assert offenders == {}


def test_a_planted_app_name_is_caught():
    planted = '''
"""Docstrings may say ``inventory.reserve``."""
# So may comments: orders.
APP_ALIASES = ("inventory", "orders", "payments")


class PaymentsOutboxMessage:
    """An example in a docstring is fine: payments."""


from shop.inventory.http.response_cache import CatalogResponseCache
'''
    found = app_names_in(planted, {"inventory", "orders", "payments"})

    assert sorted(found) == [
        "11: shop.inventory.http.response_cache",
        "4: inventory",
        "4: orders",
        "4: payments",
        "7: PaymentsOutboxMessage",
    ]
