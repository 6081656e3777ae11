"""Structured JSON logs: one object a line with service, tenant, correlation id and event id,
and personal numbers masked whatever the message says."""
import json
import logging
import sys

from chassis import logcontext
from chassis.masking import mask_text


class JsonFormatter(logging.Formatter):
    def __init__(self, service):
        super().__init__()
        self.service = service

    def format(self, record):
        context = logcontext.current()
        line = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "tenant": context.get("tenant"),
            "correlation_id": context.get("correlation_id"),
            "event_id": context.get("event_id"),
            "message": mask_text(record.getMessage()),
        }
        if record.exc_info:
            line["error"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure(service, level="INFO"):
    import time

    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("amqp", "kombu", "pymongo"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # nameko logs an expected error (404, 409, 422) as a warning with a traceback: not news.
    logging.getLogger("nameko.containers").setLevel(max(logging.ERROR, root.level))
