from collections.abc import Mapping

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

    def production_refusals(self, environ: Mapping[str, str]) -> list[str]:
        """Webhooks signed with a secret of the deployment's own, and a provider chosen."""
        from shop.payments.conf import MIN_WEBHOOK_SECRET_LENGTH, is_deployment_webhook_secret

        refusals = []
        if not is_deployment_webhook_secret(environ.get("PAYMENTS_WEBHOOK_SECRET", "")):
            refusals.append(
                "PAYMENTS_WEBHOOK_SECRET must be set to the provider's secret "
                f"({MIN_WEBHOOK_SECRET_LENGTH}+ characters), not the development one"
            )
        if not environ.get("PAYMENTS_PROVIDER", "").strip():
            # The simulated provider charges nobody: production uses it only when told to.
            refusals.append(
                "PAYMENTS_PROVIDER must name the payment provider gateway "
                "(the simulated one only when named explicitly)"
            )
        return refusals

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
