"""Counts the store commands of every process started with this directory on PYTHONPATH and
GONGZHI_COUNT_COMMANDS set to a directory: a pymongo CommandListener per process, its counts
(by command and collection) written to <dir>/<pid>.json on SIGUSR1 and at exit.
Used by `python -m bench.commands` (store commands per completion, per service)."""
import os

_OUT = os.environ.get("GONGZHI_COUNT_COMMANDS")

if _OUT:
    import atexit
    import json
    import signal
    import sys
    from collections import Counter

    import importlib.abc
    import importlib.util

    _counts = Counter()

    class _Counting:  # a pymongo CommandListener (duck-typed: pymongo is not imported yet)
        def started(self, event):
            command = event.command
            target = command.get(event.command_name)
            where = target if isinstance(target, str) else ""
            _counts[f"{event.command_name} {where}".strip()] += 1

        def succeeded(self, event):
            pass

        def failed(self, event):
            pass

    class _RegisterOnImport(importlib.abc.MetaPathFinder):
        """pymongo must not be imported here, before the services' eventlet monkey-patching
        (it would keep the unpatched select): register the listener when it is imported."""

        def find_spec(self, name, path=None, target=None):
            if name != "pymongo":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                from pymongo import monitoring
                monitoring.register(type("Counting", (_Counting, monitoring.CommandListener),
                                         {})())

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _RegisterOnImport())

    def _dump(*_):
        snapshot = dict(_counts)
        with open(os.path.join(_OUT, f"{os.getpid()}.json"), "w") as out:
            json.dump({"argv": sys.argv, "counts": snapshot}, out)

    signal.signal(signal.SIGUSR1, _dump)
    atexit.register(_dump)
