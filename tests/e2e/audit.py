"""The consistency audit as the e2e tests end with it."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.core.management.base import CommandError


def audit() -> tuple[bool, str]:
    """Run ``audit_consistency``: (whether it found nothing, what it printed)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_consistency", stdout=out, stderr=err)
    except CommandError as failure:
        return False, f"{out.getvalue()}{failure}"
    return True, out.getvalue()


def assert_audit_finds_nothing() -> None:
    clean, printed = audit()
    assert clean, printed
