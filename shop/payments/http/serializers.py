"""Shapes of the payments endpoints, for the OpenAPI document."""

from rest_framework import serializers

from shop.payments.services import WebhookOutcome


class WebhookReceiptSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[o.value for o in WebhookOutcome])
