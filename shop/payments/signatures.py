"""Webhook signatures: HMAC-SHA256 with the shared secret over ``"<timestamp>.<body>"``.

Sent as ``Shop-Signature: t=<unix>,v1=<hex>`` (several ``v1`` while a secret is
rotated). Timestamps more than five minutes away are refused, so a captured request
cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from shop.payments import conf


class InvalidSignature(ValueError):
    """The request is not signed by someone holding the webhook secret, or is stale."""


_UNIX_TIME = re.compile(r"[0-9]{1,12}")


def sign(body: bytes, *, secret: str, timestamp: int) -> str:
    """The ``Shop-Signature`` header value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={_digest(body, secret, str(timestamp))}"


def verify_signature(body: bytes, header: str, *, secret: str, now: float | None = None) -> None:
    """Raise ``InvalidSignature`` unless ``header`` signs ``body`` recently with ``secret``."""
    timestamp, signatures = "", []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    # At most 12 digits: int() of an arbitrarily long string is slow or refused outright.
    if not _UNIX_TIME.fullmatch(timestamp) or not signatures:
        raise InvalidSignature("Shop-Signature must read t=<unix>,v1=<hex>.")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > conf.WEBHOOK_TOLERANCE.total_seconds():
        raise InvalidSignature("The signature timestamp is outside the 5-minute tolerance.")
    expected = _digest(body, secret, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidSignature("The signature does not match the body.")


def _digest(body: bytes, secret: str, timestamp: str) -> str:
    signed = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
