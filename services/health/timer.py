"""Moved to chassis/timer.py (the council's sweep uses it too); kept so imports still work."""
from chassis.timer import SettingsTimer, settings_timer  # noqa: F401
