"""Admin building blocks shared by the apps."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from contracts.currencies import to_decimal_string


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: viewable, never edited by hand.

    Changes go through the app's services (admin actions), so invariants and events
    are never bypassed.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def money_text(amount_minor: int, currency: str) -> str:
    """An amount as people read it: ``9.90 EUR`` (the ISO 4217 table of contracts)."""
    return f"{to_decimal_string(amount_minor, currency)} {currency}"
