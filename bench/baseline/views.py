"""The two baseline views: a plain JSON answer, and one ORM transaction."""

from __future__ import annotations

import random

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from bench.baseline.models import ACCOUNTS, Account, Entry


def plain(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@csrf_exempt
def one_transaction(request: HttpRequest) -> JsonResponse:
    """``SELECT … FOR UPDATE`` + ``UPDATE`` + ``INSERT`` in one transaction, as a write
    of the shop does at the least: lock a row, change it, record what happened."""
    account_id = random.randint(1, ACCOUNTS)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        Account.objects.filter(pk=account.pk).update(balance=F("balance") + 1)
        entry = Entry.objects.create(account_id=account.pk, amount=1)
    return JsonResponse({"entry": entry.pk}, status=201)
