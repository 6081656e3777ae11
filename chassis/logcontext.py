"""Which worker a log line belongs to: a greenthread-local set by the CallContext provider."""
import threading

_local = threading.local()  # eventlet monkey-patching makes this greenthread-local


def enter(service, data):
    _local.service = service
    _local.data = data


def leave():
    _local.data = None


def current():
    return getattr(_local, "data", None) or {}
