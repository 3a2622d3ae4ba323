"""Explicit permissions for staff endpoints: ``is_staff`` and the permission the act needs.

API.md says staff endpoints need ``is_staff``; a staff member may still lack the
right to move money or stock, so each staff endpoint also names its permission
(``orders.ship_order``, ``inventory.restock``) as the admin does.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class StaffPermission(BasePermission):
    """Staff holding ``permission`` (an ``app_label.codename``); others get ``403``."""

    permission: str = ""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            self.message = "Staff only."
            return False
        if not user.has_perm(self.permission):
            self.message = f"You need the {self.permission} permission."
            return False
        return True


def staff_with(permission: str) -> type[StaffPermission]:
    """A DRF permission class admitting staff who hold ``permission``."""
    return type(
        f"StaffWith_{permission.replace('.', '_')}", (StaffPermission,), {"permission": permission}
    )
