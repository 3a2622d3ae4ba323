"""Django's error views (``handler400``/``403``/``404``/``500``) as problem details.

Errors that never reach a DRF view (no URL matched, a converter refused the path, a
``DisallowedHost``, an unhandled exception) would otherwise answer with Django's HTML
pages. The admin is browsed by people: under its prefix Django's own pages stay.
With ``DEBUG`` on, Django shows its technical 404 and 500 pages before these run;
``DebugPagesOutsideTheApi`` keeps them away from API clients.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from shop.platform.problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE


def _is_admin(request: HttpRequest) -> bool:
    try:
        return request.path.startswith(reverse("admin:index"))
    except NoReverseMatch:
        return False


def problem(*, status: int, type: str, title: str, detail: str) -> HttpResponse:
    """A plain Django response carrying a problem, for code outside DRF views."""
    body = {"type": PROBLEM_BASE + type, "title": title, "status": status, "detail": detail}
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400, also for ``SuspiciousOperation`` such as a Host header not allowed."""
    # No _is_admin() here: a disallowed Host must not be read again to build a URL.
    return problem(
        status=400, type="bad-request", title="Bad request", detail="The request was refused."
    )


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_admin(request):
        return defaults.permission_denied(request, exception)
    return problem(
        status=403,
        type="permission-denied",
        title="Permission denied",
        detail="You may not do this.",
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_admin(request):
        return defaults.page_not_found(request, exception)
    return problem(
        status=404,
        type="not-found",
        title="Not found",
        detail=f"Nothing is found at {request.path}.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """500 without any detail of what broke: that is in the log, under the request id."""
    if _is_admin(request):
        return defaults.server_error(request)
    return problem(
        status=500,
        type="server-error",
        title="Internal server error",
        detail="The server failed; the error is logged under this response's X-Request-ID.",
    )


class DebugPagesOutsideTheApi:
    """With ``DEBUG`` on, answer the API's 404s and 500s as problems too.

    Django's technical pages list the URLconf or a traceback in HTML; an API client
    in development must see what it will see in production. The traceback is still
    logged, under the request id.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and request.path.startswith("/api/")
            and response.status_code in (404, 500)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            if response.status_code == 404:
                return page_not_found(request, Http404())
            return server_error(request)
        return response


def probe_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An anonymous read-only endpoint (health, metrics): GET and HEAD only, else a 405
    problem; exempt from CSRF, whose refusal would otherwise answer a POST first, in HTML."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = problem(
                status=405,
                type="method-not-allowed",
                title="Method not allowed",
                detail=f"{request.method} is not allowed here; use GET.",
            )
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return csrf_exempt(guarded)
