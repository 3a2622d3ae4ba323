from django.apps import AppConfig


class OrdersOnlyTestingConfig(AppConfig):
    name = "tests.platform.events.orders_only_app"
    label = "events_orders_only_testing"
