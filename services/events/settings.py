"""The events service's own settings (environment), beside chassis/config.py's."""
import os


def sweep_seconds():
    """How often each replica runs the repair sweep (0: never)."""
    return float(os.environ.get("GONGZHI_ACTIVITY_SWEEP_SECONDS", "5"))


def stale_seconds():
    """How old an unfinished step must be before the sweep finishes it for its process:
    well beyond any request's life (GONGZHI_RPC_TIMEOUT), so live work is rarely repeated
    (repeating it is safe anyway)."""
    return float(os.environ.get("GONGZHI_ACTIVITY_STALE_SECONDS", "15"))
