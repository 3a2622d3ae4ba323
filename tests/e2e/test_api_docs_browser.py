"""The API's browsable docs load in a real Chromium with no network beyond the shop."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from playwright.sync_api import expect, sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.django_db(databases="__all__", transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")


def test_the_docs_page_names_only_assets_the_shop_serves(client):
    page = client.get("/api/docs/").content.decode()

    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets, page
    assert [url for url in assets if urlsplit(url).netloc] == []
    for url in assets:
        path = urlsplit(url).path
        if path.startswith("/static/"):
            assert finders.find(path.removeprefix("/static/")), url
        else:
            assert client.get(url).status_code == 200, url


@pytest.fixture
def offline_page(live_server) -> Iterator[tuple]:
    """A Chromium page that may reach the live server only; what else it asks is recorded."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/tools (make test does)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # playwright's loop runs on this thread
    playwright = sync_playwright().start()
    refused: list[str] = []
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)

        def outside_network(route):
            refused.append(route.request.url)
            route.abort()

        shop = urlsplit(live_server.url).netloc
        context.route(lambda url: urlsplit(url).netloc != shop, outside_network)
        yield context.new_page(), refused
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def test_swagger_ui_renders_the_api_without_outside_network(offline_page):
    page, refused = offline_page

    page.goto("/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Shop API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert refused == []
