"""REST endpoints of payments."""

urlpatterns: list = []
