"""Idempotency keys: the first answer to a request is the answer to every retry of it.

A key is claimed with an INSERT that the unique (customer, key) constraint lets only
one request win, in a transaction of its own; no transaction is held while the
request runs. The claim is a lease: a request that died holding it is taken over
by the next retry once the lease ends, which resumes that same order.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from shop.orders import conf
from shop.orders.errors import (
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    KeyAlreadyClaimed,
    RequestInProgress,
)
from shop.orders.models import IdempotencyRecord, Order
from shop.platform.rows import insert, update

DB = "orders"
MAX_KEY_LENGTH = 255  # API.md: 1-255 printable characters


def checked_key(header: str | None) -> str | None:
    """The ``Idempotency-Key`` header's value, or ``None`` when the request sent none.

    Raises ``InvalidIdempotencyKey`` for a key that is empty, blank, longer than 255
    characters or not printable: taking it as no key would let a retry create a second
    order and charge twice.
    """
    if header is None:
        return None
    if not header.strip():
        raise InvalidIdempotencyKey("Must not be empty or blank.")
    if len(header) > MAX_KEY_LENGTH or not header.isprintable():
        raise InvalidIdempotencyKey(f"Must be 1 to {MAX_KEY_LENGTH} printable characters.")
    return header


class ClaimKind(enum.Enum):
    NEW = "new"  # first request with this key: run it
    RESUME = "resume"  # an earlier run died: finish its order (if it made one)
    REPLAY = "replay"  # answered before: give that answer again


@dataclass(frozen=True)
class KeyClaim:
    kind: ClaimKind
    record: IdempotencyRecord


def fingerprint(body: Any) -> str:
    """A stable hash of a request body, blind to key order and whitespace."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def new_claim(*, customer_id: int, key: str, request_fingerprint: str) -> IdempotencyRecord:
    """The unsaved record that claims ``key`` for this request once inserted.

    Inserting it is the claim: the unique (customer, key) refuses a key seen before.
    """
    now = timezone.now()
    return IdempotencyRecord(
        customer_id=customer_id,
        key=key,
        fingerprint=request_fingerprint,
        locked_until=now + conf.idempotency_lease(),
        expires_at=now + conf.idempotency_ttl(),
    )


def link_order(record: IdempotencyRecord, order: Order) -> None:
    """Point the idempotency record at the order being created (inside its transaction)."""
    record.order_id = order.id
    if record.pk is not None:
        # Only a record no order has claimed yet: a request that stalled past its key's
        # lease must not create a second order for the key another request resumed.
        if not IdempotencyRecord.objects.filter(pk=record.pk, order_id__isnull=True).update(
            order_id=order.id
        ):
            record.order_id = None
            raise KeyAlreadyClaimed(record.key)
        return
    try:
        # The first statement of the transaction: on a key seen before, nothing was written.
        insert(record, using=DB)
    except IntegrityError as taken:
        record.order_id = None
        raise KeyAlreadyClaimed(record.key) from taken


def claim_key(*, customer_id: int, key: str, request_fingerprint: str) -> KeyClaim:
    """Claim ``key`` for this request, or say why it cannot run.

    Raises ``IdempotencyKeyReused`` when the key came with another body, and
    ``RequestInProgress`` while the first request still holds its lease.
    """
    for _ in range(3):
        now = timezone.now()
        try:
            with transaction.atomic(using=DB):
                record = new_claim(
                    customer_id=customer_id, key=key, request_fingerprint=request_fingerprint
                )
                record.save(using=DB, force_insert=True)
            return KeyClaim(ClaimKind.NEW, record)
        except IntegrityError:
            pass
        found = IdempotencyRecord.objects.filter(customer_id=customer_id, key=key).first()
        if found is None:
            continue  # abandoned meanwhile: try the INSERT again
        record = found
        if record.expires_at <= now:
            IdempotencyRecord.objects.filter(pk=record.pk, expires_at__lte=now).delete()
            continue
        if record.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused(key)
        if record.completed:
            return KeyClaim(ClaimKind.REPLAY, record)
        taken = IdempotencyRecord.objects.filter(
            Q(locked_until__isnull=True) | Q(locked_until__lte=now),
            pk=record.pk,
            response_status__isnull=True,
        ).update(locked_until=now + conf.idempotency_lease())
        if taken:
            record.refresh_from_db()
            return KeyClaim(ClaimKind.RESUME, record)
        record.refresh_from_db()
        if record.completed:
            return KeyClaim(ClaimKind.REPLAY, record)
        raise RequestInProgress(key, retry_after=_seconds_left(record))
    raise RequestInProgress(key, retry_after=1)


def complete_key(*, record: IdempotencyRecord, status: int, body: Any) -> None:
    """Remember ``status`` and ``body`` as the answer to every retry with this key."""
    # Once per order placed: a statement built once (decision 0045).
    update(
        IdempotencyRecord,
        {"response_status": status, "response_body": body, "locked_until": None},
        where={"id": record.pk},
        using=DB,
    )


def release_key(*, record: IdempotencyRecord) -> None:
    """Let a retry run at once: the request ended without a final answer.

    Only the lease this request holds is released: a request that stalled past it must
    not free the key for a third while the one that took it over is still running.
    """
    IdempotencyRecord.objects.filter(
        pk=record.pk, response_status__isnull=True, locked_until=record.locked_until
    ).update(locked_until=None)


def abandon_key(*, record: IdempotencyRecord) -> None:
    """Forget the key: the request was refused before anything was created."""
    IdempotencyRecord.objects.filter(pk=record.pk, order_id__isnull=True).delete()


def purge_expired_keys() -> int:
    """Delete the keys past their expiry; returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def _seconds_left(record: IdempotencyRecord) -> int:
    if record.locked_until is None:
        return 1
    return max(1, int((record.locked_until - timezone.now()).total_seconds()) + 1)
