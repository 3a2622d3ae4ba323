"""Run in a process of its own (``SHOP_APPS`` set by the caller): prints, as JSON, what
the process serves, after a system check, the URLconf and every command are loaded."""

import json
import sys

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.core.management import call_command, get_commands, load_command_class  # noqa: E402
from django.urls import Resolver404, get_resolver, resolve  # noqa: E402

from shop.platform.events.subscriptions import all_subscriptions  # noqa: E402
from shop.platform.modulemap import build_canvases  # noqa: E402
from shop.platform.schedule import periodic_jobs  # noqa: E402


def resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


call_command("check")
get_resolver().url_patterns  # noqa: B018  (imports the URLconf and every included module)
commands = get_commands()
for name, app in commands.items():
    load_command_class(app, name)

print(
    json.dumps(
        {
            "databases": sorted(settings.DATABASES),
            "bindings": settings.SHOP_BINDINGS,
            "commands": sorted(name for name, app in commands.items() if app.startswith("shop")),
            "admin": sorted(model._meta.label for model in admin.site._registry),
            "jobs": [job.name for job in periodic_jobs()],
            "subscribers": sorted(s.key for s in all_subscriptions()),
            "module_map": [canvas.app for canvas in build_canvases()],
            "paths": {path: resolves(path) for path in sys.argv[1:]},
            "modules": sorted(sys.modules),
        }
    )
)
