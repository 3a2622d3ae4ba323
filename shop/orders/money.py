"""Money as the REST API writes it: a decimal string of major units, never a float."""

from __future__ import annotations

from contracts.currencies import to_decimal_string


def money(amount_minor: int, currency: str) -> dict[str, str]:
    """``{"amount": "12.50", "currency": "EUR"}`` from an amount in minor units."""
    return {"amount": to_decimal_string(amount_minor, currency), "currency": currency}
