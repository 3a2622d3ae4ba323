"""Read-only queries over inventory's tables."""
