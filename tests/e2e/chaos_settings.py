"""Settings of the web servers the chaos tests start: the project's, with a payment
provider slow enough that a kill lands in the middle of placements."""

import os

from shop.settings import *  # noqa: F403

PAYMENTS_SIMULATOR = {"latency_seconds": float(os.environ.get("CHAOS_PAYMENT_LATENCY", "0"))}
