"""REST endpoints of payments."""

from django.urls import path

from shop.payments.http.views import ProviderWebhookView

urlpatterns = [
    path(
        "payments/webhooks/<str:provider>/",
        ProviderWebhookView.as_view(),
        name="payments-webhook",
    ),
]
