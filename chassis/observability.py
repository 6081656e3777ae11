"""Operational metrics (Prometheus). Community indicators are a product feature of the metrics
service, not these."""
from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter(
    "gongzhi_events_published_total", "Events confirmed by the broker", ["service", "type"])
EVENTS_HANDLED = Counter(
    "gongzhi_events_handled_total", "Events consumed, by outcome", ["service", "consumer", "outcome"])
HANDLER_SECONDS = Histogram(
    "gongzhi_event_handler_seconds", "Time to apply one event", ["service", "consumer"])
OUTBOX_BACKLOG = Gauge(
    "gongzhi_outbox_backlog", "Documents with events not yet confirmed by the broker", ["service"])
DLQ_DEPTH = Gauge(
    "gongzhi_dead_letters", "Messages waiting in a consumer's dead-letter queue", ["queue"])
HTTP_REQUESTS = Counter(
    "gongzhi_http_requests_total", "Gateway requests", ["method", "route", "status"])
HTTP_SECONDS = Histogram(
    "gongzhi_http_request_seconds", "Gateway request latency", ["method", "route"])
