"""The module map in docs/ is generated from the code and must match it."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_the_committed_module_map_matches_the_code():
    call_command("module_map", "--check")


def test_an_outdated_module_map_is_reported(tmp_path):
    stale = tmp_path / "modules.md"
    stale.write_text("# Module map\n\nnothing here\n")
    with pytest.raises(CommandError, match="out of date"):
        call_command("module_map", "--check", "--output", str(stale))
