"""The admin's "Operations" page: what needs a person's attention, from every app.

Each app registers a section (a function of the request returning the items its
user may see) from its ``admin.py``; the platform shows them and knows no app by
name. An item counts something that needs attention and links to the list that
fixes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


@dataclass(frozen=True)
class OperationsItem:
    title: str
    count: int | None
    url: str
    hint: str
    # A result rather than a count (the last consistency audit): shown as text.
    status: str = ""

    @property
    def needs_attention(self) -> bool:
        return bool(self.count)


Section = Callable[[HttpRequest], list[OperationsItem]]
_sections: list[tuple[str, Section]] = []


def operations_section(title: str) -> Callable[[Section], Section]:
    """Register ``function`` as a section of the Operations page, under ``title``."""

    def register(function: Section) -> Section:
        _sections[:] = [(t, f) for t, f in _sections if f.__qualname__ != function.__qualname__]
        _sections.append((title, function))
        return function

    return register


def sections(request: HttpRequest) -> list[tuple[str, list[OperationsItem]]]:
    """Each registered section with the items this user may see; empty ones left out."""
    shown = []
    for title, function in _sections:
        items = function(request)
        if items:
            shown.append((title, items))
    return shown


def operations_page(request: HttpRequest) -> HttpResponse:
    """The page itself (any active staff member; each item checks its own permission)."""
    return TemplateResponse(
        request,
        "admin/operations.html",
        {
            **admin.site.each_context(request),
            "title": "Operations",
            "sections": sections(request),
        },
    )
