"""Use cases that change inventory state; transaction boundaries live here."""
