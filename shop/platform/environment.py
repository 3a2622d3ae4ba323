"""Numbers and rates read from the environment at start-up, refused in one line when unusable.

A value that is not a number, or that the setting cannot use (a deadline of zero, no
retry attempts at all), raises ``ImproperlyConfigured`` naming the variable, what it
takes and what it got; ``manage.py`` prints that one line and exits non-zero, before
any command runs. Unset or blank, a variable takes its default.

Light on purpose: ``shop/settings.py`` imports it before Django is set up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import overload

from django.core.exceptions import ImproperlyConfigured

# Django REST framework's reading of a rate: a count, then the period's first letter.
_RATE = re.compile(r"0*[1-9][0-9]*/[smhd][a-z]*")


def env_int(environ: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    """``name`` as a whole number of at least ``minimum``; ``default`` when unset."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, {minimum} or more; not {environ[name]!r}."
        )
    return value


@overload
def env_float(
    environ: Mapping[str, str], name: str, default: float, *, zero: bool = ..., unit: str = ...
) -> float: ...


@overload
def env_float(
    environ: Mapping[str, str], name: str, default: None, *, zero: bool = ..., unit: str = ...
) -> float | None: ...


def env_float(
    environ: Mapping[str, str],
    name: str,
    default: float | None,
    *,
    zero: bool = False,
    unit: str = "seconds",
) -> float | None:
    """``name`` as a number of ``unit`` above 0 (or 0 too, with ``zero``); ``default``
    when unset."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value: float | None = float(raw)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        accepted = "0 or more" if zero else "above 0"
        raise ImproperlyConfigured(
            f"{name} must be a number of {unit}, {accepted}; not {environ[name]!r}."
        )
    return value


def env_rate(environ: Mapping[str, str], name: str, default: str) -> str:
    """``name`` as a request rate, ``<requests>/<period>`` (``60/min``), read as Django REST
    framework reads it (the period's first letter: s, m, h or d); ``default`` when unset.
    A rate it could not read would fail every request it limits."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not _RATE.fullmatch(raw):
        raise ImproperlyConfigured(
            f"{name} must be a number of requests, 1 or more, per second, minute, hour or "
            f"day (60/min); not {environ[name]!r}."
        )
    return raw
