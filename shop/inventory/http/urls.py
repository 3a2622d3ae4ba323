"""REST endpoints of inventory, mounted under /api/v1/."""

from django.urls import path

from shop.inventory.http import views

urlpatterns = [
    path("products/", views.ProductListView.as_view(), name="product-list"),
    path("products/<str:sku>/", views.ProductDetailView.as_view(), name="product-detail"),
    path(
        "products/<str:sku>/restock/",
        views.ProductRestockView.as_view(),
        name="product-restock",
    ),
]
