"""Django admin for inventory: actions call services."""
