from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from shop.platform.domains import installed_domain_apps

urlpatterns = [
    path("admin/", admin.site.urls),
    # The REST routes of the domain apps this process serves (SHOP_APPS).
    *(path("api/v1/", include(app.api_urls)) for app in installed_domain_apps() if app.api_urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("shop.platform.urls")),
]

# Errors outside DRF views answer problem+json too (API.md § Conventions).
handler400 = "shop.platform.errors.bad_request"
handler403 = "shop.platform.errors.permission_denied"
handler404 = "shop.platform.errors.page_not_found"
handler500 = "shop.platform.errors.server_error"
