"""Customers: the API's clients are Django users on ``default``, each with a token."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token


def ensure_customer(*, username: str, staff: bool = False) -> tuple[int, str, bool]:
    """Create the user if missing (staff when asked) and return ``(id, token, created)``.

    An existing user keeps its password and token; ``staff=True`` promotes it.
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
        token, _ = Token.objects.get_or_create(user=user)
    return user.pk, token.key, created
