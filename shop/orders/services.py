"""Use cases that change orders state; transaction boundaries live here."""
