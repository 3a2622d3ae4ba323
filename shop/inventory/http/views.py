"""Catalog endpoints (API.md § Catalog): thin views over inventory's services and selectors."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts.inventory import ProductAlreadyExists, UnknownProducts
from shop.inventory import selectors, services
from shop.inventory.http.serializers import (
    ProductCreateSerializer,
    ProductSerializer,
    RestockSerializer,
)
from shop.platform.pagination import CursorPage
from shop.platform.permissions import staff_with
from shop.platform.problems import Problem, problem_responses

STAFF_ONLY = {401: "Not authenticated.", 403: "Not staff, or staff without the permission."}


class CatalogPage(CursorPage):
    # The catalog has no meaningful recency; SKU order is stable and unique.
    ordering = "sku"

    def cache_key(self, request: Request) -> str:
        """What identifies the page asked for: its validated cursor and limit, and the
        list's own URL (the page holds absolute links). Nothing else of the query
        string: an extra parameter must not make another cache entry."""
        cursor = self.decode_cursor(request)
        position = None if cursor is None else tuple(cursor)
        return f"{self._list_url(request)} {self.get_page_size(request)} {position!r}"

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        rows = super().paginate_queryset(queryset, request, view)
        # The page is shared through the cache: its links carry the limit and cursor
        # only, never what else the first caller's query string held.
        self.base_url = self._list_url(request)
        if self.page_size_query_param in request.query_params:
            self.base_url += f"?{urlencode({self.page_size_query_param: self.page_size})}"
        return rows

    @staticmethod
    def _list_url(request: Request) -> str:
        return request.build_absolute_uri(request.path)


class ProductListView(generics.ListCreateAPIView):
    """The catalog: anyone may read it, staff add to it."""

    serializer_class = ProductSerializer
    pagination_class = CatalogPage

    def get_permissions(self) -> list[BasePermission]:
        return (
            [staff_with("inventory.add_product")()]
            if self.request.method == "POST"
            else [AllowAny()]
        )

    def get_queryset(self) -> Any:
        return selectors.product_list()

    @property
    def catalog_page(self) -> CatalogPage:
        return cast(CatalogPage, self.paginator)

    @extend_schema(
        summary="List active products",
        responses={
            200: ProductSerializer(many=True),
            **problem_responses({400: "Invalid limit or cursor."}),
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = selectors.cached_catalog_page(
            page=self.catalog_page.cache_key(request), build=lambda: self._render_page(request)
        )
        return Response(body)

    def _render_page(self, request: Request) -> dict[str, Any]:
        rows = self.paginate_queryset(self.get_queryset()) or []
        results = ProductSerializer(
            [selectors.as_catalog_product(row) for row in rows], many=True
        ).data
        paginator = self.catalog_page
        # Plain dicts: the page is stored in the cache.
        return {
            "results": [dict(item) for item in results],
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
        }

    @extend_schema(
        summary="Add a product (staff)",
        request=ProductCreateSerializer,
        responses={
            201: ProductSerializer,
            **problem_responses(
                {400: "Invalid body.", 409: "A product with this SKU exists.", **STAFF_ONLY}
            ),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ProductCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            product = services.create_product(
                sku=data["sku"],
                name=data["name"],
                price_minor=data["price"]["amount_minor"],
                currency=data["price"]["currency"],
                stock=data["stock"],
                low_stock_threshold=data["low_stock_threshold"],
            )
        except ProductAlreadyExists as exc:
            raise Problem(
                status_code=status.HTTP_409_CONFLICT,
                type="product-exists",
                title="Product already exists",
                detail=str(exc),
                sku=exc.sku,
            ) from exc
        return Response(
            ProductSerializer(selectors.as_catalog_product(product)).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("product-detail", kwargs={"sku": product.sku})},
        )


class ProductDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Get a product",
        responses={
            200: ProductSerializer,
            **problem_responses({404: "No active product has this SKU."}),
        },
    )
    def get(self, request: Request, sku: str) -> Response:
        product = selectors.active_product(sku=sku)
        if product is None:
            raise NotFound(f"No product with SKU {sku}.")
        return Response(ProductSerializer(product).data)


class ProductRestockView(APIView):
    permission_classes = [staff_with("inventory.restock")]

    @extend_schema(
        summary="Add units on hand (staff)",
        request=RestockSerializer,
        responses={
            200: ProductSerializer,
            **problem_responses(
                {400: "Invalid body.", 404: "No product has this SKU.", **STAFF_ONLY}
            ),
        },
    )
    def post(self, request: Request, sku: str) -> Response:
        body = RestockSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            product = services.restock(sku=sku, quantity=body.validated_data["quantity"])
        except UnknownProducts as exc:
            raise NotFound(f"No product with SKU {sku}.") from exc
        return Response(ProductSerializer(selectors.as_catalog_product(product)).data)
