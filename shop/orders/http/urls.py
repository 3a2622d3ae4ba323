"""REST endpoints of orders."""

urlpatterns: list = []
