"""Django admin for orders: actions call services."""
