"""Operator commands fail with one line, not a traceback."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError

from shop.platform.commands import ShopCommand


class NeedsATable(ShopCommand):
    help = "Reads a table that is not there."

    def handle(self, *args, **options):
        raise OperationalError("no such table: inventory_product\nLINE 1: SELECT ...")


def test_an_unmigrated_database_is_reported_in_one_line():
    with pytest.raises(CommandError) as failure:
        call_command(NeedsATable())

    message = str(failure.value)
    assert "no such table: inventory_product" in message
    assert "migrate_all" in message
    assert "\n" not in message


def test_the_worker_refuses_a_port_that_cannot_exist():
    with pytest.raises(CommandError, match="--metrics-port"):
        call_command("run_worker", "--once", "--metrics-port", "99999")


def test_the_module_map_reports_a_path_it_cannot_write(tmp_path):
    with pytest.raises(CommandError, match="cannot write"):
        call_command("module_map", "--output", str(tmp_path / "missing" / "modules.md"))
