"""Admin building blocks shared by the apps."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from shop.platform import audit
from shop.platform.models import AuditRun
from shop.platform.operations import OperationsItem, operations_section


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


@admin.register(AuditRun)
class AuditRunAdmin(ReadOnlyAdmin):
    """The consistency audit's runs (``manage.py audit_consistency``), newest first."""

    list_display = ("finished_at", "discrepancies", "started_at")
    list_filter = ("finished_at",)
    ordering = ("-finished_at",)


@operations_section("Consistency")
def last_audit(request: HttpRequest) -> list[OperationsItem]:
    """The last consistency audit's verdict: its discrepancies, or that it never ran."""
    if not request.user.has_perm("platform.view_auditrun"):
        return []
    url = reverse("admin:platform_auditrun_changelist")
    run = audit.last_run()
    if run is None:
        return [
            OperationsItem(
                title="Last consistency audit",
                count=None,
                url=url,
                hint="Run manage.py audit_consistency (from cron) to check the apps agree.",
                status="never run",
            )
        ]
    return [
        OperationsItem(
            title=f"Discrepancies found by the audit of {run.finished_at:%Y-%m-%d %H:%M} UTC",
            count=run.discrepancies,
            url=url,
            hint="Its output names each one; the reconciler or an operator settles them.",
        )
    ]
