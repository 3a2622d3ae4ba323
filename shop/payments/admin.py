"""Django admin for payments: actions call services."""
