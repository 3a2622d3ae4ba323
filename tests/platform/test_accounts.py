"""Operators create API customers and get their tokens."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def test_create_customer_prints_the_token_as_the_last_line(capsys):
    call_command("create_customer", "carol")

    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    user = get_user_model().objects.get(username="carol")
    assert last_line == Token.objects.get(user=user).key
    assert not user.is_staff


def test_create_customer_is_idempotent_and_can_promote_to_staff(capsys):
    call_command("create_customer", "dave")
    first = capsys.readouterr().out.strip().splitlines()[-1]

    call_command("create_customer", "dave", "--staff")

    assert capsys.readouterr().out.strip().splitlines()[-1] == first
    assert get_user_model().objects.get(username="dave").is_staff


def test_create_customer_refuses_a_bad_username():
    with pytest.raises(CommandError, match="USERNAME"):
        call_command("create_customer", "two words")
