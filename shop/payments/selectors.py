"""Read-only queries over payments's tables."""
