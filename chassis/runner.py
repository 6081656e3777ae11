"""Run one service process: `python -m chassis.runner residents|health|council|metrics|gateway`.

The same command runs in a container and on a laptop; settings come from the environment.
SIGTERM stops gracefully: consumers stop taking messages, in-flight workers finish within
GONGZHI_STOP_SECONDS, then whatever is left is killed (its messages were not acknowledged, so
the broker delivers them again) and the process exits. A second signal kills at once."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything else imports socket or threading

import importlib  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from chassis import logs  # noqa: E402
from chassis.config import Settings  # noqa: E402

SERVICES = {
    "residents": "services.residents.service:ResidentsService",
    "health": "services.health.service:HealthService",
    "metrics": "services.metrics.service:MetricsService",
    "council": "services.council.service:CouncilService",
    "gateway": "gateway.service:GatewayService",
    # -- events (issue 11) --
    "events": "services.events.service:EventsService",
}


def service_class(name):
    """A known service by name, or any `module:Class` (benchmarks run a bare service so)."""
    module_name, class_name = SERVICES.get(name, name).split(":")
    return getattr(importlib.import_module(module_name), class_name)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or (argv[0] not in SERVICES and ":" not in argv[0]):
        print(f"usage: python -m chassis.runner {{{'|'.join(SERVICES)}}}", file=sys.stderr)
        return 2
    target = argv[0]
    name = target if target in SERVICES else target.split(":")[0].rsplit(".", 1)[-1]
    settings = Settings()
    logs.configure(name, settings.log_level)
    if name == "gateway":
        settings.hs256_secret  # fail fast outside development without a secret or a JWKS
    runner = ServiceRunner(settings.nameko_config())
    runner.add_service(service_class(target))

    stopping = []

    def on_signal(signum, frame):
        if stopping:
            logging.getLogger(__name__).warning("second signal: killing %s", name)
            eventlet.spawn_n(runner.kill)
        else:
            stopping.append(signum)
            logging.getLogger(__name__).info("stopping %s", name)
            eventlet.spawn_n(_stop_bounded, runner, settings.stop_seconds)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    runner.start()
    logging.getLogger(__name__).info(
        "%s running, HTTP on %s:%s", name, settings.http_host, settings.http_port)
    runner.wait()
    return 0


def _stop_bounded(runner, seconds):
    with eventlet.Timeout(seconds, False):
        runner.stop()
        return
    logging.getLogger(__name__).warning("in-flight work did not finish in %gs: killing", seconds)
    runner.kill()


if __name__ == "__main__":
    sys.exit(main())
