#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads the settings: a bad environment stops here)
    except ImproperlyConfigured as exc:
        # An operator's mistake in the environment (SHOP_APPS=paymnets): one line, no traceback.
        sys.exit(f"manage.py: {exc}")

    from shop.platform.telemetry.tracing import setup_tracing

    # Commands that serve or work (runserver, run_worker) are traced like the web.
    setup_tracing()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
