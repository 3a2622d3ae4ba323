"""The type checker holds each facade to its contract: a drifted signature or a
forgotten method fails ``make lint``. Planted here on a facade of the same shape."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shop.inventory.facade import InventoryFacade
from shop.orders.facade import OrdersFacade
from shop.payments.facade import PaymentsFacade

ROOT = Path(__file__).resolve().parents[2]
# The project's configuration aside: the contracts need no Django plugin.
ISOLATED = ["--config-file", "", "--python-version", "3.12", "--follow-imports", "silent"]


def mypy(source: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """mypy over one module importing the contracts (standard library only: no plugin)."""
    module = tmp_path / "planted_facade.py"
    module.write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", *ISOLATED, str(module)],
        cwd=ROOT,
        env={"MYPYPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("facade", [InventoryFacade, PaymentsFacade, OrdersFacade])
def test_every_facade_declares_the_protocol_it_implements(facade):
    (contract,) = [base for base in facade.__bases__ if getattr(base, "_is_protocol", False)]
    assert contract.__module__.startswith("contracts.")
    assert getattr(facade, "__final__", False), "final: a forgotten method is then an error"


@pytest.mark.slow
def test_a_facade_whose_signature_drifts_from_its_protocol_fails_the_type_check(tmp_path):
    checked = mypy(
        """
        from typing import final
        from uuid import UUID

        from contracts.orders import Order, OrdersService


        @final
        class DriftedOrders(OrdersService):
            def get_order(self, *, order_id: str) -> Order | None:
                return None
        """,
        tmp_path,
    )

    assert checked.returncode == 1, checked.stdout
    assert 'Argument 1 of "get_order" is incompatible with supertype' in checked.stdout


@pytest.mark.slow
def test_a_final_facade_that_forgets_a_method_fails_the_type_check(tmp_path):
    checked = mypy(
        """
        from typing import final

        from contracts.orders import OrdersService


        @final
        class ForgetfulOrders(OrdersService):
            pass
        """,
        tmp_path,
    )

    assert checked.returncode == 1, checked.stdout
    assert 'has abstract attributes "get_order"' in checked.stdout
