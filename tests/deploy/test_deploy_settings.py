"""Every setting the code reads is provided to the processes that read it.

The code's settings are found by scanning the Python source of chassis/, services/ and
gateway/ (tests excluded) for GONGZHI_ names, so a new setting fails this test until the
ConfigMap (deploy/k8s/base/kustomization.yaml) or the Secret provides it, or it is added to
SAFE_DEFAULTS below with the reason its default is right in a cluster.
"""
import re

import pytest

from deploy_manifests import OVERLAYS, REPO, app_deployments, by_kind, effective_env, pod_spec

pytestmark = pytest.mark.deploy

SETTING = re.compile(r"\bGONGZHI_[A-Z0-9_]*[A-Z0-9]\b")
SOURCE_DIRS = ("chassis", "services", "gateway")

# Settings that may be left unset in a cluster because their default is right there.
# Each entry says why. Keep this short: prefer setting the value in the ConfigMap.
SAFE_DEFAULTS = {
    # (none today: the base ConfigMap sets every non-secret setting explicitly)
}
# Settings only some services need: name -> the services that must have it.
ONLY_FOR = {
    # The HS256 token key: only the gateway verifies tokens; other services never read it
    # (they get tenant, actor and roles from nameko context data), so they do not get it.
    "GONGZHI_JWT_SECRET": {"gateway"},
}
SECRET_SETTINGS = {"GONGZHI_AMQP_URI", "GONGZHI_MONGO_URI", "GONGZHI_JWT_SECRET",
                   "GONGZHI_DATA_KEY"}


def code_settings():
    names = set()
    for top in SOURCE_DIRS:
        for path in (REPO / top).rglob("*.py"):
            rel = path.relative_to(REPO).parts
            if "tests" in rel or path.name.startswith("test_") or path.name == "conftest.py":
                continue
            names.update(SETTING.findall(path.read_text(encoding="utf-8")))
    return names


def test_the_code_reads_settings():
    names = code_settings()
    assert {"GONGZHI_AMQP_URI", "GONGZHI_MONGO_URI", "GONGZHI_HTTP_PORT"} <= names, names


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_setting_is_provided(rendered, overlay):
    objects = rendered(overlay)
    needed = code_settings() - set(SAFE_DEFAULTS)
    missing = []
    for dep in app_deployments(objects):
        service = dep["metadata"]["name"]
        for c in pod_spec(dep)["containers"]:
            env = effective_env(c, objects)
            for name in sorted(needed):
                if name in ONLY_FOR and service not in ONLY_FOR[name]:
                    assert name not in env, f"{service} gets {name} but does not need it"
                    continue
                if name not in env:
                    missing.append(f"{service}: {name}")
                elif name in SECRET_SETTINGS:
                    assert env[name][0] != "env" or env[name][1] is None, (
                        f"{service}: {name} is a secret and must come from a Secret")
    assert not missing, "settings the code reads but the manifests do not set:\n" + "\n".join(missing)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_configmap_holds_only_settings_the_code_reads(rendered, overlay):
    read = code_settings()
    for cm in by_kind(rendered(overlay), "ConfigMap"):
        for key in cm.get("data") or {}:
            if key.startswith("GONGZHI_"):
                assert key in read, f"{key} is set but no code reads it (typo or stale?)"
                assert key not in SECRET_SETTINGS, f"{key} belongs in a Secret"


@pytest.mark.parametrize("overlay, env", [("overlays/dev", "development"), ("overlays/prod", "production")])
def test_settings_values(rendered, overlay, env):
    data = {k: v for cm in by_kind(rendered(overlay), "ConfigMap") for k, v in (cm.get("data") or {}).items()}
    assert data["GONGZHI_ENV"] == env
    assert data["GONGZHI_HTTP_HOST"] == "0.0.0.0"
    assert data["GONGZHI_HTTP_PORT"] == "8080"
    assert float(data["GONGZHI_RPC_TIMEOUT"]) > 0
    assert int(data["GONGZHI_MAX_WORKERS"]) > 0
    assert all(float(x) > 0 for x in data["GONGZHI_RETRY_DELAYS"].split(","))
