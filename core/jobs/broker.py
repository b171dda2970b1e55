"""The dramatiq broker that carries job messages, chosen by ``myynti.broker_url``.

The broker gets no dramatiq middleware: the outbox row, not the message, is
the job, so dramatiq's retries, age and time limits would only duplicate (and
contradict) what the outbox records. The actor never raises.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from dramatiq import Broker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

REDIS_SCHEMES = ("redis", "rediss", "unix")
AMQP_SCHEMES = ("amqp", "amqps")
NAMESPACE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,62}$")


class BrokerConfigError(ValueError):
    """The broker settings cannot work; the message is one line for the operator."""


def make_broker(url: str, namespace: str) -> Broker:
    """An in-memory broker for an empty ``url``, else Redis or RabbitMQ.

    ``namespace`` names the queue and prefixes Redis keys, so installations
    (or test runs) can share one Redis server.
    """
    if not NAMESPACE_RE.match(namespace):
        raise BrokerConfigError(
            f"myynti.broker_namespace {namespace!r}: use letters, digits, '_' and '-',"
            " starting with a letter or '_'"
        )
    if not url:
        return StubBroker(middleware=[])
    scheme = urlsplit(url).scheme
    if scheme in REDIS_SCHEMES:
        return RedisBroker(url=url, namespace=namespace, middleware=[])
    if scheme in AMQP_SCHEMES:
        try:
            from dramatiq.brokers.rabbitmq import RabbitmqBroker
        except ImportError:
            raise BrokerConfigError(
                "an amqp:// broker needs pika: pip install 'myynti[rabbitmq]'"
            ) from None
        # Confirmed delivery: a send returns once RabbitMQ has the message.
        return RabbitmqBroker(url=url, middleware=[], confirm_delivery=True)
    raise BrokerConfigError(
        f"myynti.broker_url: unknown scheme {scheme!r}; use redis://, rediss:// or amqp://"
    )


def is_embedded(broker: Broker) -> bool:
    """True when messages live in this process's memory (no broker service)."""
    return isinstance(broker, StubBroker)
