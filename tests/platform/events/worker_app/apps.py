from django.apps import AppConfig


class EventsTestingConfig(AppConfig):
    name = "tests.platform.events.worker_app"
    label = "events_testing"
