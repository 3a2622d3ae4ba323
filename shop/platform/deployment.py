"""What a production process refuses to start with, and its HTTPS settings.

``check --deploy`` reports problems only to whoever runs it; a process started with a
development secret would serve anyway. So ``shop/settings.py`` asks these at import,
when ``SHOP_ENV=production``, and refuses to start on any of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# Django's own deploy check (security.W009) asks for 50.
MIN_SECRET_KEY_LENGTH = 50


def production_refusals(environ: Mapping[str, str], *, development_secret_key: str) -> list[str]:
    """Why a production process must not start with ``environ``; empty when it may.

    The platform's own: each served app adds its own (``DomainAppConfig.production_refusals``).
    """
    secret_key = environ.get("SECRET_KEY", "")
    if secret_key == development_secret_key or len(secret_key) < MIN_SECRET_KEY_LENGTH:
        return [f"SECRET_KEY must be set to a random value of {MIN_SECRET_KEY_LENGTH}+ characters"]
    return []


def proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """``SECURE_PROXY_SSL_HEADER`` from ``"X-Forwarded-Proto: https"``; ``None`` when empty.

    Raises ``ImproperlyConfigured`` for a value that is not ``Header-Name: value``.
    """
    if not value.strip():
        return None
    name, separator, expected = value.partition(":")
    name, expected = name.strip(), expected.strip()
    if not separator or not name or not expected or " " in name:
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER must read 'Header-Name: value', not {value!r}"
        )
    return "HTTP_" + name.upper().replace("-", "_"), expected
