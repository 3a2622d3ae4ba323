"""Payment provider gateways: the interface and the configured implementation."""

from __future__ import annotations

import functools
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from shop.payments import conf
from shop.payments.providers.base import PaymentProvider


@functools.cache
def get_provider() -> PaymentProvider:
    """The provider gateway named by ``PAYMENTS_PROVIDER``, instantiated once."""
    return import_string(conf.provider_path())()


@receiver(setting_changed)
def _forget_provider(*, setting: str, **kwargs: Any) -> None:
    if setting == "PAYMENTS_PROVIDER":
        get_provider.cache_clear()
