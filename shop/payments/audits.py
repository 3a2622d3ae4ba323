"""What the audit checks of payments: each payment's amounts say what its status says."""

from __future__ import annotations

from collections.abc import Iterator

from shop.payments import selectors
from shop.platform.audit import Progress, audit_check


@audit_check("payments.amounts")
def amounts_agree_with_status(progress: Progress) -> Iterator[tuple[str, str]]:
    contradicting = list(selectors.payments_whose_amounts_contradict_their_status())
    for payment in contradicting:
        yield (
            f"payment of order {payment.order_id} ({payment.status})",
            f"{payment.amount_minor} authorized, {payment.captured_minor} captured, "
            f"{payment.refunded_minor} refunded",
        )
    progress(1, 1)
