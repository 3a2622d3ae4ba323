"""Use cases that change payments state; transaction boundaries live here."""
