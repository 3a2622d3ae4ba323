# The module, not the class: a second AppConfig class here would hide which one is the app's.
from shop.platform import domains


class PaymentsConfig(domains.DomainAppConfig):
    name = "shop.payments"
    label = "payments"
    verbose_name = "Payments"
    contract = "contracts.payments.PaymentsService"
    facade = "shop.payments.facade.PaymentsFacade"
    api_urls = "shop.payments.http.urls"

    def ready(self) -> None:
        from shop.payments import checks  # noqa: F401  (registers the system checks)
