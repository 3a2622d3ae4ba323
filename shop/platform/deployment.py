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
MIN_WEBHOOK_SECRET_LENGTH = 16


def production_refusals(
    environ: Mapping[str, str], *, development_secret_key: str, development_webhook_secret: str
) -> list[str]:
    """Why a production process must not start with ``environ``; empty when it may."""
    refusals = []
    secret_key = environ.get("SECRET_KEY", "")
    if secret_key == development_secret_key or len(secret_key) < MIN_SECRET_KEY_LENGTH:
        refusals.append(
            f"SECRET_KEY must be set to a random value of {MIN_SECRET_KEY_LENGTH}+ characters"
        )
    webhook_secret = environ.get("PAYMENTS_WEBHOOK_SECRET", "")
    if (
        webhook_secret == development_webhook_secret
        or len(webhook_secret) < MIN_WEBHOOK_SECRET_LENGTH
    ):
        refusals.append(
            "PAYMENTS_WEBHOOK_SECRET must be set to the provider's secret "
            f"({MIN_WEBHOOK_SECRET_LENGTH}+ characters), not the development one"
        )
    if not environ.get("PAYMENTS_PROVIDER", "").strip():
        # The simulated provider charges nobody: production uses it only when told to.
        refusals.append(
            "PAYMENTS_PROVIDER must name the payment provider gateway "
            "(the simulated one only when named explicitly)"
        )
    return refusals


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
