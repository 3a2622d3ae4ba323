from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "shop.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from shop.payments import checks  # noqa: F401  (registers the system checks)

    def staff_roles(self) -> dict[str, list[str]]:
        """What each staff role may do here (see shop.platform.roles): support sees and
        cancels, the warehouse ships and restocks, finance refunds; nobody else moves money."""
        return {
            "support": [
                "payments.view_payment",
                "payments.view_providerinteraction",
                "payments.view_receivedproviderevent",
            ],
            "finance": [
                "payments.view_payment",
                "payments.view_providerinteraction",
                "payments.view_receivedproviderevent",
            ],
        }
