"""Settings of ``serve_grpc`` processes started by the tests: the project's, plus the
payment simulator's behaviour from ``TEST_PAYMENTS_SIMULATOR`` (JSON)."""

import json
import os

from shop.settings import *  # noqa: F403

PAYMENTS_SIMULATOR = json.loads(os.environ.get("TEST_PAYMENTS_SIMULATOR", "{}"))
