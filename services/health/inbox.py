"""The hospital's inbound queue, provisioned by the platform.

Health declares a durable queue (GONGZHI_HOSPITAL_INBOX, default `hospital.inbox`) bound to
`health.events` for what the hospital must act on, so nothing is lost before the hospital
first connects, and the hospital's broker user needs read permission on this queue only
(no configure rights). See contracts/HOSPITAL.md."""
from kombu import Connection, Queue
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange

from chassis.config import settings_from

FOR_THE_HOSPITAL = ("referral_requested",)


def declare_inbox(amqp_uri, queue_name, config=None):
    exchange = get_event_exchange("health", config or {})
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        exchange.bind(channel).declare()
        queue = Queue(queue_name, durable=True, auto_delete=False)
        bound = queue.bind(channel)
        bound.declare()
        for routing_key in FOR_THE_HOSPITAL:
            bound.bind_to(exchange=exchange, routing_key=routing_key)


class HospitalInbox(DependencyProvider):
    def setup(self):
        settings = settings_from(self.container.config)
        declare_inbox(settings.amqp_uri, settings.hospital_inbox, self.container.config)

    def get_dependency(self, worker_ctx):
        return None
