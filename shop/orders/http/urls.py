"""REST endpoints of orders, included under /api/v1/."""

from django.urls import path

from shop.orders.http import views

urlpatterns = [
    path("orders/", views.OrderListCreateView.as_view(), name="orders"),
    path("orders/<uuid:order_id>/", views.OrderDetailView.as_view(), name="order"),
    path("orders/<uuid:order_id>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<uuid:order_id>/ship/", views.OrderShipView.as_view(), name="order-ship"),
    path("orders/<uuid:order_id>/refund/", views.OrderRefundView.as_view(), name="order-refund"),
]
