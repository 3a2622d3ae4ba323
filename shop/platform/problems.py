"""RFC 9457 problem details: every API error leaves as ``application/problem+json``."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from contracts.common import ServiceUnavailable
from shop.platform.databases import DATABASE_DOES_NOT_ANSWER

logger = logging.getLogger(__name__)

PROBLEM_BASE = "https://shop.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"
# How long a client waits before retrying when a database does not answer.
DATABASE_RETRY_AFTER_SECONDS = 5


class Problem(exceptions.APIException):
    """An API error with a problem type; extra keyword arguments become members."""

    def __init__(
        self, *, status_code: int, type: str, title: str, detail: str, **extra: Any
    ) -> None:
        self.status_code = status_code
        self.problem_type = type
        self.title = title
        self.extra = extra
        super().__init__(detail=detail)


class ProblemErrorSerializer(serializers.Serializer):
    """One invalid input: the field's path (``lines[0].quantity``; empty for the body)."""

    field = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """The OpenAPI shape of every error: an RFC 9457 problem. Members a problem type
    adds (``order_id``, ``skus``...) are allowed beyond these."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    # The problem's member, documented only: this serializer never validates input, so
    # DRF's own ``errors`` (validation results) is never read on it.
    errors = ProblemErrorSerializer(many=True, required=False)  # type: ignore[assignment]


def problem_responses(described: dict[int, str]) -> dict[tuple[int, str], OpenApiResponse]:
    """``extend_schema(responses=...)`` entries: a problem for each status code, with
    its description (``{404: "No such order."}``)."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=description)
        for code, description in described.items()
    }


def problem_response(
    *, status_code: int, type: str, title: str, detail: str, headers: dict | None = None, **extra
) -> Response:
    body = {
        "type": PROBLEM_BASE + type,
        "title": title,
        "status": status_code,
        "detail": detail,
        **extra,
    }
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested validation errors as ``[{"field": "lines[0].quantity", "message"}]``."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            if key == "non_field_errors":
                field = prefix
            elif isinstance(key, int):  # DRF reports list items by index in a dict
                field = f"{prefix}[{key}]"
            else:
                field = f"{prefix}.{key}" if prefix else key
            errors.extend(flatten_errors(value, field))
        return errors
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"field": prefix, "message": str(item)} for item in detail]
        errors = []
        for index, item in enumerate(detail):
            if item:
                errors.extend(flatten_errors(item, f"{prefix}[{index}]"))
        return errors
    return [{"field": prefix, "message": str(detail)}]


_TYPES = {
    400: ("validation-error", "Invalid request"),
    401: ("not-authenticated", "Authentication required"),
    403: ("permission-denied", "Permission denied"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("rate-limited", "Too many requests"),
}


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler rendering every API error as a problem."""
    if isinstance(exc, Problem):
        return problem_response(
            status_code=exc.status_code,
            type=exc.problem_type,
            title=exc.title,
            detail=str(exc.detail),
            **exc.extra,
        )
    if isinstance(exc, DATABASE_DOES_NOT_ANSWER):
        # This app's own database does not answer: the caller may retry, as with a
        # service that cannot be reached; what broke is logged, not shown.
        logger.warning("answering 503: a database does not answer: %s", exc)
        exc = ServiceUnavailable("database", retry_after=DATABASE_RETRY_AFTER_SECONDS)
    if isinstance(exc, ServiceUnavailable):
        return problem_response(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            type="service-unavailable",
            title="Service unavailable",
            detail=f"{exc}; try again later.",
            service=exc.service,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    type_, title = _TYPES.get(response.status_code, ("error", "Error"))
    extra: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        extra["errors"] = flatten_errors(exc.detail)
        detail = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in extra["errors"])
    elif isinstance(exc, exceptions.ParseError):
        detail = str(exc.detail)
        extra["errors"] = [{"field": "", "message": detail}]
    else:
        detail = str(getattr(exc, "detail", exc))
    headers = {
        k: v for k, v in response.headers.items() if k in ("Retry-After", "WWW-Authenticate")
    }
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = "Token"
    return problem_response(
        status_code=response.status_code,
        type=type_,
        title=title,
        detail=detail,
        headers=headers,
        **extra,
    )
