"""Which reliable consumers the platform has: found on the service classes themselves, so the
dead-letter CLI and the health checks never keep a list by hand. Kept apart from
chassis/deadletters.py, which chassis/consumer.py imports: importing the consumer there made a
circle."""
import inspect

from chassis.consumer import EventConsumer
from chassis.deadletters import Consumer, consumer_queue_name


def consumers_of(service_cls):
    """The reliable event consumers a service class declares (chassis.consumer)."""
    found = []
    for method_name, method in inspect.getmembers(service_cls, callable):
        for extension in getattr(method, "nameko_entrypoints", ()):
            if isinstance(extension, EventConsumer):
                found.append(Consumer(
                    f"{service_cls.name}.{method_name}",
                    consumer_queue_name(service_cls.name, method_name,
                                        extension.source_service, extension.event_type)))
    return sorted(found, key=lambda consumer: consumer.name)


def all_consumers():
    from chassis.runner import SERVICES, service_class  # the runner imports every service

    return [consumer for name in SERVICES for consumer in consumers_of(service_class(name))]


def find_consumer(name, consumers=None):
    for consumer in consumers if consumers is not None else all_consumers():
        if consumer.name == name or consumer.queue == name:
            return consumer
    if name.startswith("evt-") and "--" in name:  # a queue this code base does not declare
        return Consumer(name.split("--", 1)[1], name)
    raise LookupError(f"no consumer {name!r}")
