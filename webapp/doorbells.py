"""Doorbells: a word to the people concerned that something of theirs changed ("counts",
"timeline", "conversation-7"), carried to the streams they hold open (webapp/live).

A doorbell is never the content: the page answers it by fetching its fragment as its poll does,
so a doorbell lost, late or doubled costs nothing but a request. Two brokers carry them:

- LocalBroker, in the process (the embedded default: `make run` pushes too);
- RedisBroker, through Redis pub/sub (REDIS_URL), for several workers and hosts: each worker
  process holds one subscription, on one channel, and fans out to its own streams inside it,
  never one Redis connection per stream.

A broker that cannot deliver says so (`ready`): the streams it held end, new ones are refused,
and the pages poll on their interval until it is back.
"""
from __future__ import annotations

import json
import logging
import queue
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterable

from flask import Flask, current_app
from sqlalchemy import event

from .extensions import RequestSession, db

log = logging.getLogger(__name__)

EXTENSION_KEY = "webapp.doorbells"
PENDING_KEY = "webapp.doorbells.pending"
# The doorbell a stream answers itself: one of its person's sessions ended, is it still its own?
SESSIONS = "sessions"
# What a subscription yields when its broker lost the way to deliver: the stream ends.
CLOSED = object()
# A stream that falls this far behind gets no more: its page will fetch what changed anyway.
QUEUE_SIZE = 64


class Subscription:
    """One stream's doorbells, in the order they rang."""

    def __init__(self, broker: LocalBroker, user_id: int):
        self.broker, self.user_id = broker, user_id
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)

    def put(self, doorbell) -> None:
        """Queue a doorbell; a full queue drops it (the same name is already waiting)."""
        try:
            self._queue.put_nowait(doorbell)
        except queue.Full:
            pass

    def get(self, timeout: float):
        """The next doorbell, CLOSED, or None when `timeout` seconds passed without one."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        """Stop receiving."""
        self.broker.unsubscribe(self)


class LocalBroker:
    """Doorbells between the streams of this one process."""

    def __init__(self):
        self._subscriptions: dict[int, set[Subscription]] = defaultdict(set)
        self._lock = threading.Lock()

    def ready(self) -> bool:
        """Whether doorbells rung anywhere reach this process's streams."""
        return True

    def subscribe(self, user_id: int) -> Subscription:
        """A new stream of `user_id`'s doorbells."""
        subscription = Subscription(self, user_id)
        with self._lock:
            self._subscriptions[user_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Forget a stream (idempotent)."""
        with self._lock:
            held = self._subscriptions.get(subscription.user_id)
            if held is not None:
                held.discard(subscription)
                if not held:
                    del self._subscriptions[subscription.user_id]

    def stream_count(self) -> int:
        """How many streams this process holds."""
        with self._lock:
            return sum(len(held) for held in self._subscriptions.values())

    def publish(self, user_ids: Iterable[int], doorbell: str) -> None:
        """Ring `doorbell` for every stream of `user_ids`."""
        self.deliver(user_ids, doorbell)

    def deliver(self, user_ids: Iterable[int], doorbell) -> None:
        """Hand `doorbell` to this process's streams of `user_ids`."""
        with self._lock:
            targets = [subscription for user_id in set(user_ids)
                       for subscription in self._subscriptions.get(user_id, ())]
        for subscription in targets:
            subscription.put(doorbell)

    def close_all(self) -> None:
        """End every stream of this process (their pages poll, then reconnect)."""
        with self._lock:
            targets = [subscription for held in self._subscriptions.values() for subscription in held]
        for subscription in targets:
            subscription.put(CLOSED)


class RedisBroker(LocalBroker):
    """Doorbells between processes and hosts, through one Redis channel.

    A message is JSON: {"to": [user ids], "doorbell": name}. One listener thread per process
    (started with its first stream) reads the channel and delivers to the process's streams. When
    Redis goes away the listener ends every stream (their pages fall back to polling), retries with
    capped exponential backoff and jitter, and is ready again once subscribed; doorbells rung
    meanwhile are dropped, and the pages catch up with one poll when their stream reopens.
    """

    RETRY_FIRST_SECONDS = 0.5
    RETRY_MAX_SECONDS = 15.0

    def __init__(self, url: str, channel: str):
        import redis

        super().__init__()
        self.channel = channel
        self._redis_errors = (redis.RedisError, OSError)
        # Short timeouts: a publish runs inside a request, which must not wait on a sick Redis.
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._listener_client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
        self._subscribed = threading.Event()
        self._start_lock = threading.Lock()
        self._listener: threading.Thread | None = None

    def ready(self) -> bool:
        """Subscribed to the channel (starting the listener, and waiting a moment for it, if need be)."""
        self._start_listener()
        return self._subscribed.wait(timeout=2)

    def publish(self, user_ids: Iterable[int], doorbell: str) -> None:
        """Send to every process; while Redis is away, drop it at once (the pages are polling)."""
        user_ids = sorted(set(user_ids))
        if not user_ids:
            return
        if self._listener is not None and not self._subscribed.is_set():
            return
        message = json.dumps({"to": user_ids, "doorbell": doorbell})
        for attempt in (1, 2):  # a pooled connection from before a Redis restart fails once
            try:
                self._client.publish(self.channel, message)
                return
            except self._redis_errors as error:
                if attempt == 2:
                    log.warning("doorbell %r not published: Redis is unavailable (%s)", doorbell, error)

    def _start_listener(self) -> None:
        """Start the process's one listener thread, once."""
        with self._start_lock:
            if self._listener is None or not self._listener.is_alive():
                self._listener = threading.Thread(target=self._listen, name="doorbells", daemon=True)
                self._listener.start()

    def _listen(self) -> None:
        """Subscribe and deliver, for ever; on a lost connection, end the streams and retry."""
        failures = 0
        while True:
            pubsub = self._listener_client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                pubsub.get_message(timeout=2)  # the subscription's confirmation
                self._subscribed.set()
                failures = 0
                while True:
                    message = pubsub.get_message(timeout=30)
                    if message is not None and message["type"] == "message":
                        self._deliver_message(message["data"])
            except self._redis_errors as error:
                lost = self._subscribed.is_set()
                self._subscribed.clear()
                if lost:
                    log.warning("doorbells: lost Redis (%s); streams end, pages poll until it is back", error)
                    self.close_all()
                failures += 1
                time.sleep(self._retry_delay(failures))
            finally:
                pubsub.close()

    def _retry_delay(self, failures: int) -> float:
        """Capped exponential backoff with jitter, so a fleet of workers does not return at once."""
        delay = min(self.RETRY_MAX_SECONDS, self.RETRY_FIRST_SECONDS * 2 ** (failures - 1))
        return delay * random.uniform(0.5, 1.0)

    def _deliver_message(self, data: bytes) -> None:
        """Deliver one channel message; a malformed one is logged and skipped."""
        try:
            payload = json.loads(data)
            user_ids = [int(user_id) for user_id in payload["to"]]
            doorbell = str(payload["doorbell"])
        except (ValueError, KeyError, TypeError):
            log.warning("doorbells: a malformed message on %s was skipped", self.channel)
            return
        self.deliver(user_ids, doorbell)


def broker() -> LocalBroker:
    """This app's broker."""
    return current_app.extensions[EXTENSION_KEY]


def ring(user_ids: Iterable[int], doorbell: str) -> None:
    """Ring now: for what is committed already (a doorbell before its data would fetch nothing)."""
    broker().publish(user_ids, doorbell)


def ring_after_commit(user_ids: Iterable[int], doorbell: str) -> None:
    """Ring once the transaction in progress commits, and not at all if it rolls back; at once
    when none is in progress."""
    session = db.session()
    if not session.in_transaction():
        ring(user_ids, doorbell)
        return
    session.info.setdefault(PENDING_KEY, []).append((current_app.extensions[EXTENSION_KEY], list(user_ids), doorbell))


def _ring_pending(session) -> None:
    """after_commit: ring what the committed transaction queued."""
    for chosen_broker, user_ids, doorbell in session.info.pop(PENDING_KEY, ()):
        chosen_broker.publish(user_ids, doorbell)


def _forget_pending(session, transaction) -> None:
    """after_transaction_end: what a rolled-back (outermost) transaction queued never rings."""
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def init_app(app: Flask) -> None:
    """Choose the broker: Redis when REDIS_URL is set, else the process's own."""
    url = app.config.get("REDIS_URL")
    app.extensions[EXTENSION_KEY] = RedisBroker(url, app.config["REDIS_CHANNEL"]) if url else LocalBroker()


# The session class is the app's own (extensions.RequestSession): listening on it covers every
# app's sessions, each of which queues the broker of its own app.
event.listen(RequestSession, "after_commit", _ring_pending)
event.listen(RequestSession, "after_transaction_end", _forget_pending)
