"""Fifty counters and a ledger: the rows the one-transaction baseline locks and writes."""

from django.db import models

ACCOUNTS = 50


class Account(models.Model):
    balance = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"account {self.pk}"


class Entry(models.Model):
    account_id = models.BigIntegerField()
    amount = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"entry {self.pk}"
