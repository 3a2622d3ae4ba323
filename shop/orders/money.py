"""Money as the REST API writes it: a decimal string of major units, never a float."""

from __future__ import annotations

from decimal import Decimal

# ISO 4217 currencies whose minor unit is not the hundredth.
_MINOR_DIGITS = {"BIF": 0, "CLP": 0, "JPY": 0, "KRW": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3}


def money(amount_minor: int, currency: str) -> dict[str, str]:
    """``{"amount": "12.50", "currency": "EUR"}`` from an amount in minor units."""
    digits = _MINOR_DIGITS.get(currency, 2)
    amount = Decimal(amount_minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))
    return {"amount": str(amount), "currency": currency}
