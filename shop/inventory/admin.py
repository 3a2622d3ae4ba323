"""Django admin for inventory: edits and actions go through the services, so the
catalog cache and the events stay right."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from contracts.currencies import (
    AmountNotRepresentable,
    is_currency,
    money_text,
    to_decimal_string,
    to_minor_units,
)
from shop.inventory import services
from shop.inventory.models import (
    MAX_PRICE_MINOR,
    MAX_STOCK,
    Product,
    Reservation,
    ReservationLine,
    Stock,
)
from shop.platform.admin import ReadOnlyAdmin


class ProductForm(forms.ModelForm):
    """The price is entered as people write it (9.90) and stored in minor units."""

    price = forms.DecimalField(
        min_value=Decimal(0), max_digits=19, help_text="In the currency's units, e.g. 9.90."
    )

    class Meta:
        model = Product
        fields = ["sku", "name", "price", "currency", "active", "low_stock_threshold"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = self.instance
        if product.pk is not None and is_currency(product.currency):
            self.initial["price"] = to_decimal_string(product.price_minor, product.currency)

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].upper()
        if not is_currency(currency):
            raise forms.ValidationError("Not an ISO 4217 currency code.")
        return currency

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        price, currency = cleaned.get("price"), cleaned.get("currency")
        if price is not None and currency:
            try:
                price_minor = to_minor_units(price, currency)
            except AmountNotRepresentable as exc:
                self.add_error("price", str(exc))
            else:
                if price_minor > MAX_PRICE_MINOR:
                    # The API refuses it too: beyond it, an order's total would not fit.
                    self.add_error("price", "The price is too large.")
                else:
                    self.instance.price_minor = price_minor
        return cleaned


class ProductAddForm(ProductForm):
    initial_stock = forms.IntegerField(min_value=0, max_value=MAX_STOCK, initial=0)


class RestockForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=MAX_STOCK, label="Units to add")


class StockInline(admin.StackedInline):
    """Stock is shown, never edited here: it changes through restock and orders."""

    model = Stock
    readonly_fields = ("on_hand", "reserved", "available")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="available")
    def available(self, stock: Stock) -> int:
        return stock.available


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "price", "active", "on_hand", "reserved", "available"]
    list_filter = ["active", "currency"]
    list_select_related = ["stock"]
    search_fields = ["sku", "name"]
    inlines = [StockInline]
    actions = ["restock"]
    form = ProductForm

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = ProductAddForm
            kwargs["fields"] = [*ProductForm.Meta.fields, "initial_stock"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["sku"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Reservations and orders refer to SKUs: retire a product by deactivating it.
        return False

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        if change:
            services.update_product(
                sku=obj.sku,
                name=obj.name,
                price_minor=obj.price_minor,
                currency=obj.currency,
                active=obj.active,
                low_stock_threshold=obj.low_stock_threshold,
            )
            return
        created = services.create_product(
            sku=obj.sku,
            name=obj.name,
            price_minor=obj.price_minor,
            currency=obj.currency,
            active=obj.active,
            low_stock_threshold=obj.low_stock_threshold,
            stock=form.cleaned_data["initial_stock"],
        )
        # The admin goes on to log and redirect to the row the service created.
        obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db

    @admin.display(description="price", ordering="price_minor")
    def price(self, product: Product) -> str:
        return money_text(product.price_minor, product.currency)

    @admin.display(description="on hand", ordering="stock__on_hand")
    def on_hand(self, product: Product) -> int:
        return product.stock.on_hand

    @admin.display(ordering="stock__reserved")
    def reserved(self, product: Product) -> int:
        return product.stock.reserved

    @admin.display()
    def available(self, product: Product) -> int:
        return product.stock.available

    def has_restock_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("inventory.restock")

    @admin.action(description="Restock selected products", permissions=["restock"])
    def restock(self, request: HttpRequest, queryset: QuerySet[Product]) -> TemplateResponse | None:
        form = RestockForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            quantity = form.cleaned_data["quantity"]
            skus = list(queryset.values_list("sku", flat=True))
            with transaction.atomic(using="inventory"):
                for sku in skus:
                    services.restock(sku=sku, quantity=quantity)
            self.message_user(
                request, f"Added {quantity} units to {', '.join(skus)}.", messages.SUCCESS
            )
            return None
        return TemplateResponse(
            request,
            "admin/inventory/product/restock.html",
            {
                **self.admin_site.each_context(request),
                "title": "Restock products",
                "opts": self.model._meta,
                "form": form,
                "products": queryset.select_related("stock"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


class ReservationLineInline(admin.TabularInline):
    model = ReservationLine
    readonly_fields = ("sku", "quantity")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("past", "Past expiry"), ("future", "Not yet expired")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "past":
            return queryset.filter(expires_at__lte=timezone.now())
        if self.value() == "future":
            return queryset.filter(expires_at__gt=timezone.now())
        return queryset


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    """Reservations are a record of what orders did: read-only here."""

    list_display = ["order_id", "state", "expires_at", "created_at", "updated_at"]
    list_filter = ["state", ExpiryFilter, "expires_at"]
    search_fields = ["=order_id"]
    date_hierarchy = "created_at"
    inlines = [ReservationLineInline]
    readonly_fields = ("order_id", "state", "expires_at", "created_at", "updated_at")
    fields = readonly_fields
