"""REST endpoints of inventory."""

urlpatterns: list = []
