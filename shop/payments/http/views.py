"""The provider webhook endpoint: the signature is its only authentication."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.payments import services
from shop.payments.http.serializers import WebhookReceiptSerializer
from shop.payments.providers.base import InvalidProviderEvent
from shop.payments.signatures import InvalidSignature
from shop.platform.problems import Problem, problem_responses


class ProviderWebhookView(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    # Throttling would drop the provider's retries; the signature already gates entry.
    throttle_classes: list = []

    @extend_schema(
        summary="Receive a payment provider's event",
        request=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter(
                "Shop-Signature",
                location=OpenApiParameter.HEADER,
                required=True,
                description="t=<unix>,v1=<hex HMAC-SHA256 of '<t>.<body>'>",
            )
        ],
        responses={
            200: WebhookReceiptSerializer,
            **problem_responses(
                {
                    400: "Bad or stale signature, or malformed event; nothing changed.",
                    404: "Unknown provider or charge.",
                }
            ),
        },
        auth=[],
    )
    def post(self, request: Request, provider: str) -> Response:
        try:
            outcome = services.receive_webhook(
                provider_name=provider,
                body=request.body,
                signature=request.headers.get("Shop-Signature", ""),
            )
        except services.UnknownProvider:
            raise Problem(
                status_code=404,
                type="not-found",
                title="Not found",
                detail=f"No payment provider named {provider!r}.",
            ) from None
        except InvalidSignature as exc:
            raise Problem(
                status_code=400,
                type="invalid-signature",
                title="Invalid signature",
                detail=str(exc),
            ) from None
        except InvalidProviderEvent as exc:
            raise Problem(
                status_code=400, type="invalid-event", title="Invalid event", detail=str(exc)
            ) from None
        except services.UnknownPayment as exc:
            # Not recorded: the provider retries, by when the authorization is on file.
            raise Problem(
                status_code=404,
                type="unknown-payment",
                title="Unknown payment",
                detail=f"No payment with provider reference {exc.args[0]!r}.",
            ) from None
        return Response({"outcome": outcome.value})
