"""Orders' business metrics on /metrics: outcomes reached and the oldest pending order."""

import re

import pytest

from tests.orders.conftest import age_orders, place

pytestmark = pytest.mark.django_db(databases="__all__")


def sample(client, name: str, **labels) -> float | None:
    """The exported value, or ``None`` when /metrics does not export it at all."""
    text = client.get("/metrics").content.decode()
    label_text = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{name}{{{label_text}}} (\S+)$" if labels else rf"^{name} (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else None


def counted(client, name: str, **labels) -> float:
    """A counter's value: a labelled counter is exported once first incremented."""
    return sample(client, name, **labels) or 0.0


def test_each_outcome_an_order_reaches_is_counted_once_committed(
    alice, client, django_capture_on_commit_callbacks
):
    before = counted(client, "shop_orders_total", outcome="confirmed")
    declined_before = counted(client, "shop_orders_total", outcome="payment_failed")

    with django_capture_on_commit_callbacks(using="orders", execute=True):
        place(alice, key="a")
        place(alice, key="b", method="pm_card_chargeDeclined")
        place(alice, key="a")  # a replay reaches no new outcome

    assert counted(client, "shop_orders_total", outcome="confirmed") == before + 1
    assert counted(client, "shop_orders_total", outcome="payment_failed") == declined_before + 1


def test_the_oldest_pending_order_is_exported_for_the_stuck_orders_alert(
    alice, client, bound_fakes
):
    # Exported (as 0) with nothing pending: an alert on it must see a value, not nothing.
    assert sample(client, "shop_orders_pending_oldest_seconds") == 0
    bound_fakes.payments.provider_down = True
    place(alice)
    age_orders(600)

    assert 600 <= sample(client, "shop_orders_pending_oldest_seconds") < 660
