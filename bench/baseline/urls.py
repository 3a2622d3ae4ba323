from django.urls import path

from bench.baseline import views

urlpatterns = [
    path("plain", views.plain),
    path("tx", views.one_transaction),
]
