"""The platform's own tables, on the ``default`` database."""

from __future__ import annotations

from django.db import models


class AuditRun(models.Model):
    """One run of ``manage.py audit_consistency``: the last one feeds /metrics and the admin."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    checks = models.JSONField(default=list)
    discrepancies = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["-finished_at"], name="audit_run_recent_idx")]

    def __str__(self) -> str:
        return f"audit of {self.finished_at:%Y-%m-%d %H:%M}: {self.discrepancies} discrepancies"
