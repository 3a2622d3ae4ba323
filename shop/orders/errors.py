"""Errors the orders use cases raise; the HTTP layer turns each into one problem type."""

from __future__ import annotations

from uuid import UUID


class OrderError(Exception):
    """Base of the orders app's domain errors."""


class OrderNotFound(OrderError):
    def __init__(self, order_id: UUID) -> None:
        self.order_id = order_id
        super().__init__(f"No order {order_id}")


class IllegalTransition(OrderError):
    """The order's status does not allow the requested move."""

    def __init__(self, order_id: UUID, status: str, target: str) -> None:
        self.order_id, self.status, self.target = order_id, status, target
        super().__init__(f"Order {order_id} is {status}; it cannot become {target}")


class OrderBusy(OrderError):
    """Another request or worker is moving the order right now; try again shortly."""

    def __init__(self, order_id: UUID) -> None:
        self.order_id = order_id
        super().__init__(f"Order {order_id} is being changed by another request")


class OrderInvalid(OrderError):
    """The order request is invalid; nothing was created."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


class OperationRefused(OrderError):
    """Another app refused a step (payment not capturable, reservation lapsed...)."""

    def __init__(self, order_id: UUID, message: str) -> None:
        self.order_id = order_id
        super().__init__(message)


class PaymentProviderBusy(OrderError):
    """The payment provider did not answer; the order is left for a retry."""

    def __init__(self, order_id: UUID) -> None:
        self.order_id = order_id
        super().__init__(f"The payment provider did not answer for order {order_id}")


class IdempotencyKeyReused(OrderError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"Idempotency-Key {key!r} was used with a different request")


class InvalidIdempotencyKey(OrderError):
    """The Idempotency-Key header is present but unusable; nothing was created."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class KeyAlreadyClaimed(OrderError):
    """The Idempotency-Key a placement was to claim came before; nothing was created."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"Idempotency-Key {key!r} was claimed before")


class RequestInProgress(OrderError):
    def __init__(self, key: str, retry_after: int) -> None:
        self.key, self.retry_after = key, retry_after
        super().__init__(f"A request with Idempotency-Key {key!r} is still running")
