"""Staff roles as Django groups, each app contributing the permissions it knows.

An app's ``AppConfig`` may define ``staff_roles()`` returning, per group name, the
``app_label.codename`` permissions that role needs in that app; the platform merges
them and keeps each group's permissions exactly that set. The platform never names
an app: a role is whatever the installed apps say it is.
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

DB = "default"


class UnknownPermission(LookupError):
    """A role names a permission no installed app defines (run migrate first)."""


def staff_roles() -> dict[str, set[str]]:
    """Every role the installed apps define, with its permissions."""
    roles: dict[str, set[str]] = defaultdict(set)
    for app_config in apps.get_app_configs():
        contribute = getattr(app_config, "staff_roles", None)
        if contribute is None:
            continue
        for role, permissions in contribute().items():
            roles[role].update(permissions)
    return dict(roles)


def ensure_staff_groups() -> dict[str, int]:
    """Create or update one group per role; returns each group's permission count.

    Raises ``UnknownPermission`` naming a permission that does not exist, changing
    nothing.
    """
    roles = staff_roles()
    with transaction.atomic(using=DB):
        counts = {}
        for role, names in sorted(roles.items()):
            permissions = [_permission(name) for name in sorted(names)]
            group, _ = Group.objects.using(DB).get_or_create(name=role)
            group.permissions.set(permissions)
            counts[role] = len(permissions)
    return counts


def _permission(name: str) -> Permission:
    app_label, _, codename = name.partition(".")
    found = Permission.objects.using(DB).filter(
        content_type__app_label=app_label, codename=codename
    )
    permission = found.first()
    if permission is None:
        raise UnknownPermission(f"no permission {name}: run migrate_all first")
    return permission
