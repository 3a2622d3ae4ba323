from typing import Any

from django.utils.module_loading import autodiscover_modules

from shop.platform.commands import ShopCommand
from shop.platform.demo import demo_seeders


class Command(ShopCommand):
    help = (
        "Idempotently load the demo data of each app this process serves (SHOP_APPS): "
        "the catalog, the customers (printing their tokens), their first purchases."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        autodiscover_modules("demo")
        seeders = demo_seeders()
        for index, seeder in enumerate(seeders, start=1):
            self.stdout.write(f"[{index}/{len(seeders)}] {seeder.name}")
            seeder.seed(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
