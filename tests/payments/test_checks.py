"""A deployment refuses the development webhook secret."""

import pytest

from shop.payments.checks import check_webhook_secret
from shop.payments.conf import DEVELOPMENT_WEBHOOK_SECRET


@pytest.mark.parametrize("secret", [DEVELOPMENT_WEBHOOK_SECRET, "", "short"])
def test_a_deployment_needs_a_real_webhook_secret(settings, secret):
    settings.PAYMENTS_WEBHOOK_SECRET = secret

    assert [error.id for error in check_webhook_secret()] == ["payments.E001"]


def test_a_real_webhook_secret_passes(settings):
    settings.PAYMENTS_WEBHOOK_SECRET = "whsec_5f1c0a8e9d2b4c7a"

    assert check_webhook_secret() == []
