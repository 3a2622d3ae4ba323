"""The platform's tables kept in every app database (see the router): an app's
outbox holds what it published, its inbox what it has applied, and its job leases
which worker may run the app's periodic jobs next."""

from django.db import models


class OutboxMessage(models.Model):
    """One published event, written in the same transaction as the change it reports.

    The row is the event's envelope: id, name, version, producer, occurrence time and
    W3C ``traceparent`` around the contract dataclass encoded as ``payload``.
    """

    event_id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=200)
    version = models.PositiveSmallIntegerField()
    producer = models.CharField(max_length=50)
    payload = models.JSONField()
    traceparent = models.CharField(max_length=55, blank=True, default="")
    occurred_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True, default="")
    parked_at = models.DateTimeField(null=True, blank=True)
    # Not yet on the external stream or broker (its append failed, or with a broker
    # set, the relay has not published it yet): the worker sends it.
    stream_pending = models.BooleanField(default=False)
    # The aggregate's id (the contract event's ``key_field``): the broker's message key.
    key = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["occurred_at"],
                condition=models.Q(delivered_at__isnull=True, parked_at__isnull=True),
                name="outbox_undelivered_idx",
            ),
            models.Index(
                fields=["occurred_at"],
                condition=models.Q(stream_pending=True),
                name="outbox_stream_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.event_id}"


class InboxMessage(models.Model):
    """An event a subscriber applied; recorded in the same transaction as its effect."""

    event_id = models.UUIDField()
    subscriber = models.CharField(max_length=255)
    name = models.CharField(max_length=200)
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_id", "subscriber"], name="inbox_once_idx")
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} applied {self.name} {self.event_id}"


class JobLease(models.Model):
    """When a periodic job may next run; claimed by one worker among many."""

    name = models.CharField(max_length=200, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_by = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.name} next at {self.next_run_at:%Y-%m-%d %H:%M:%S}"


class ParkedConsumerMessage(models.Model):
    """An event received from the broker that a subscriber of this database's app kept
    failing on: kept here, with its envelope and where it was read, so the consumer
    moves on; a re-drive applies it again (through the inbox, so at most once)."""

    event_id = models.UUIDField()
    name = models.CharField(max_length=200)
    version = models.PositiveSmallIntegerField()
    producer = models.CharField(max_length=50)
    payload = models.JSONField()
    traceparent = models.CharField(max_length=55, blank=True, default="")
    occurred_at = models.DateTimeField()
    group = models.CharField(max_length=200)
    topic = models.CharField(max_length=255)
    partition = models.IntegerField()
    offset = models.CharField(max_length=50)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    parked_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # After a re-drive, when it is tried next: at once (null), then after each failure
    # the outbox's own backoff.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_id", "group"], name="parked_once_per_group_idx")
        ]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(parked_at__isnull=True, applied_at__isnull=True),
                name="parked_redriven_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.event_id} parked for {self.group}"

    def as_message(self) -> OutboxMessage:
        """The event as an (unsaved) outbox message, the form subscribers' delivery takes."""
        return OutboxMessage(
            event_id=self.event_id,
            name=self.name,
            version=self.version,
            producer=self.producer,
            payload=self.payload,
            traceparent=self.traceparent,
            occurred_at=self.occurred_at,
            next_attempt_at=self.occurred_at,
        )
