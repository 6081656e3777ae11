"""nameko's @timer with its interval read from the settings (0 or less: never fires)."""
from nameko.timer import Timer

from chassis.config import settings_from


class SettingsTimer(Timer):
    def __init__(self, setting, **kwargs):
        self.setting = setting
        super().__init__(interval=None, **kwargs)

    def setup(self):
        self.interval = float(getattr(settings_from(self.container.config), self.setting))

    def start(self):
        if self.interval and self.interval > 0:
            super().start()

    def stop(self):
        if self.gt is not None:
            super().stop()

    def kill(self):
        if self.gt is not None:
            super().kill()


settings_timer = SettingsTimer.decorator
