"""Subscribers to other apps' events."""
