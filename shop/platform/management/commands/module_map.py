from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shop.platform.modulemap import render_markdown


class Command(BaseCommand):
    help = (
        "Write the module map (docs/modules.md) generated from the code. A process serving "
        "some of the apps (SHOP_APPS) writes or checks their sections only."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "docs" / "modules.md")
        )
        parser.add_argument(
            "--check", action="store_true", help="Fail if the file differs from the code."
        )

    def handle(self, *args: Any, output: str, check: bool, **options: Any) -> None:
        path = Path(output)
        existing = path.read_text() if path.is_file() else ""
        rendered = render_markdown(existing)
        if check:
            if not existing or existing != rendered:
                raise CommandError(f"{path} is out of date: run `manage.py module_map`.")
            self.stdout.write(f"{path} is up to date.")
            return
        try:
            path.write_text(rendered)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}") from exc
        self.stdout.write(f"Wrote {path}.")
