"""Use cases that change orders; transaction boundaries live here.

Split by process step: placement, the later lifecycle (cancel, ship, refund),
the reconciler, idempotency keys, and customers.
"""

from shop.orders.services.customers import ensure_customer
from shop.orders.services.errors import (
    IdempotencyKeyReused,
    IllegalTransition,
    OperationRefused,
    OrderBusy,
    OrderError,
    OrderInvalid,
    OrderNotFound,
    PaymentProviderBusy,
    RequestInProgress,
)
from shop.orders.services.idempotency import (
    ClaimKind,
    KeyClaim,
    abandon_key,
    claim_key,
    complete_key,
    fingerprint,
    purge_expired_keys,
    release_key,
)
from shop.orders.services.lifecycle import (
    cancel_after_payment_failure,
    cancel_order,
    refund_order,
    ship_order,
)
from shop.orders.services.placement import LineRequest, place_order, resume_placement
from shop.orders.services.reconciliation import reconcile_order, reconcile_orders

__all__ = [
    "ClaimKind",
    "IdempotencyKeyReused",
    "IllegalTransition",
    "KeyClaim",
    "LineRequest",
    "OperationRefused",
    "OrderBusy",
    "OrderError",
    "OrderInvalid",
    "OrderNotFound",
    "PaymentProviderBusy",
    "RequestInProgress",
    "abandon_key",
    "cancel_after_payment_failure",
    "cancel_order",
    "claim_key",
    "complete_key",
    "ensure_customer",
    "fingerprint",
    "place_order",
    "purge_expired_keys",
    "reconcile_order",
    "reconcile_orders",
    "refund_order",
    "release_key",
    "resume_placement",
    "ship_order",
]
