"""API token authentication that reads the token and its user with one statement built once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from shop.platform.rows import column_list, from_row
from shop.platform.rows import column_name as _column


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``Authorization: Token <key>``, the same answers, without the ORM's query.

    Every authenticated API request runs this; DRF's own lookup compiles a join of the
    token and the user each time (decision 0045).
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user_model = get_user_model()
        alias = router.db_for_read(Token)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(_token_sql(alias), [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        split = len(Token._meta.concrete_fields)
        token = from_row(Token, row[:split], using=alias)
        user = from_row(user_model, row[split:], using=alias)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token.user = user
        return user, token


_statements: dict[str, str] = {}


def _token_sql(alias: str) -> str:
    if (sql := _statements.get(alias)) is None:
        connection = connections[alias]
        quote = connection.ops.quote_name
        user_model = get_user_model()
        token_table, user_table = (quote(model._meta.db_table) for model in (Token, user_model))
        sql = _statements[alias] = (
            f"SELECT {column_list(Token, connection)}, {column_list(user_model, connection)}"
            f" FROM {token_table} INNER JOIN {user_table}"
            f" ON {user_table}.{quote(_column(user_model._meta.pk))}"
            f" = {token_table}.{quote(_column(Token._meta.get_field('user')))}"
            f" WHERE {token_table}.{quote(_column(Token._meta.pk))} = %s"
        )
    return sql
