"""nameko's @timer with its interval from services/events/settings.py (0: never fires)."""
from nameko.timer import Timer

from services.events import settings


class SweepTimer(Timer):
    def __init__(self, **kwargs):
        super().__init__(interval=None, **kwargs)

    def setup(self):
        self.interval = settings.sweep_seconds()

    def start(self):
        if self.interval and self.interval > 0:
            super().start()

    def stop(self):
        if self.gt is not None:
            super().stop()

    def kill(self):
        if self.gt is not None:
            super().kill()


sweep_timer = SweepTimer.decorator
