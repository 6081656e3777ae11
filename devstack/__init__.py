"""The local platform: the launcher behind `make run` and the Kaixuan demo data. Not part of
the chassis every service loads."""
