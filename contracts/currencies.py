"""ISO 4217 currencies and their minor units: how a ``Money`` amount reads as a decimal.

One table for every app, so that 500 ISK or 1.234 JOD mean the same everywhere.
"""

from __future__ import annotations

from decimal import Decimal

_EXPONENT_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_EXPONENT_3 = "BHD IQD JOD KWD LYD OMR TND"
_EXPONENT_4 = "CLF UYW"
_EXPONENT_2 = (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP "
    "GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT "
    "LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN "
    "NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE "
    "SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES "
    "WST XCD XCG YER ZAR ZMW ZWG"
)

MINOR_UNITS: dict[str, int] = {
    code: exponent
    for exponent, codes in ((0, _EXPONENT_0), (2, _EXPONENT_2), (3, _EXPONENT_3), (4, _EXPONENT_4))
    for code in codes.split()
}
"""Decimal places of each active ISO 4217 currency (funds and metals excluded)."""


class AmountNotRepresentable(ValueError):
    """The amount has more decimal places than its currency's minor unit allows."""


def is_currency(code: str) -> bool:
    return code in MINOR_UNITS


def to_minor_units(amount: Decimal, currency: str) -> int:
    """``amount`` in ``currency``'s minor units (12.50 EUR -> 1250).

    Raises ``KeyError`` for an unknown currency and ``AmountNotRepresentable`` when
    the amount is finer than the currency's minor unit (12.505 EUR).
    """
    scaled = amount.scaleb(MINOR_UNITS[currency])
    if scaled != scaled.to_integral_value():
        raise AmountNotRepresentable(
            f"{currency} amounts have at most {MINOR_UNITS[currency]} decimal places."
        )
    return int(scaled)


def to_decimal_string(amount_minor: int, currency: str) -> str:
    """The API form of an amount in minor units: 1250 EUR -> "12.50", 500 JPY -> "500"."""
    exponent = MINOR_UNITS.get(currency, 2)
    return str(Decimal(amount_minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent)))


def money_text(amount_minor: int, currency: str) -> str:
    """An amount as people read it: 990 EUR -> "9.90 EUR"."""
    return f"{to_decimal_string(amount_minor, currency)} {currency}"
