"""Customers: the API's clients are Django users on ``default``, each with a token."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from rest_framework.authtoken.models import Token


def ensure_customer(
    *, username: str, staff: bool = False, roles: Sequence[str] = ()
) -> tuple[int, str, bool]:
    """Create the user if missing (staff when asked) and return ``(id, token, created)``.

    An existing user keeps its password and token; ``staff=True`` promotes it.
    ``roles`` names staff groups (``shop.platform.roles``) the user joins; an unknown
    one raises ``Group.DoesNotExist``, changing nothing.
    """
    user_model = get_user_model()
    with transaction.atomic(using="default"):
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
        if staff and not user.is_staff:
            user.is_staff = True
        if created or staff:
            user.save()
        if roles:
            user.groups.add(*(Group.objects.get(name=role) for role in roles))
        token, _ = Token.objects.get_or_create(user=user)
    return user.pk, token.key, created


@dataclass(frozen=True, slots=True)
class CustomerCard:
    """Who a customer is, as staff read it next to an order."""

    id: int
    username: str
    email: str


def customers_by_id(ids: Iterable[int]) -> dict[int, CustomerCard]:
    """The customers with these ids, in one query on ``default``; unknown ids are absent."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return {}
    rows = (
        get_user_model()
        .objects.using("default")
        .filter(pk__in=wanted)
        .values_list("pk", "username", "email")
    )
    return {pk: CustomerCard(pk, username, email) for pk, username, email in rows}


def customer_ids_matching(term: str, *, limit: int = 1000) -> list[int]:
    """Ids of customers whose username is ``term`` or whose e-mail contains it.

    Orders live in another database: searching them by customer first resolves the
    customers here, then filters orders by id (no join across databases).
    """
    term = term.strip()
    if not term:
        return []
    return list(
        get_user_model()
        .objects.using("default")
        .filter(Q(username__iexact=term) | Q(email__icontains=term))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
