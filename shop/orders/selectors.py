"""Read-only queries over orders's tables."""
