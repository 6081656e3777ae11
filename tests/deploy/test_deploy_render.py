"""Every kustomization renders, and the fallback renderer agrees with kubectl."""
import pytest

import kustomize_lite
from deploy_manifests import K8S, KUBECTL, TARGETS, render_with_kubectl

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


@pytest.mark.parametrize("target", TARGETS)
def test_fallback_renderer_renders(target):
    assert kustomize_lite.render(K8S / target)


@pytest.mark.parametrize("target", TARGETS)
def test_fallback_renderer_matches_kubectl(target):
    if not KUBECTL:
        pytest.skip("kubectl is not installed: nothing to compare the fallback renderer with")
    ours = {identity(o): o for o in kustomize_lite.render(K8S / target)}
    theirs = {identity(o): o for o in render_with_kubectl(target)}
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        assert ours[key] == theirs[key], f"{target}: {key} differs"


# Name suffixes printed by kustomize v5.5.0 (kubectl 1.32) for these generators.
@pytest.mark.parametrize("obj, suffix", [
    ({"kind": "ConfigMap", "data": {"A": "1"}}, "89g4tffbfk"),
    ({"kind": "ConfigMap", "data": {"A": "1", "B": "x<y&z"}}, "mgk8mb4fgh"),
    ({"kind": "ConfigMap", "data": {"A": "2", "B": "x<y&z", "C": "3"}}, "27fdk92mfg"),
    ({"kind": "Secret", "type": "Opaque", "data": {"K": "dg=="}}, "8gkfgg4d6d"),
])
def test_fallback_hash_matches_kustomize(obj, suffix):
    assert kustomize_lite.content_hash(obj) == suffix


@pytest.mark.parametrize("kustomization", [
    "resources: [cm.yaml]\ncommonLabels: {a: b}\n",
    "resources: [cm.yaml]\npatches:\n- patch: '{\"metadata\": {\"labels\": {\"a\": \"b\"}}}'\n",
    "resources: [cm.yaml]\npatches:\n- patch: '[{\"op\": \"move\", \"from\": \"/a\", \"path\": \"/b\"}]'\n"
    "  target: {kind: ConfigMap}\n",
    "resources: [cm.yaml]\npatches:\n- patch: '[]'\n  target: {kind: ConfigMap, name: 'c.*'}\n",
    "configMapGenerator:\n- name: x\n  literals: [\"A='quoted'\"]\n",
    "kind: Component\n",
])
def test_fallback_renderer_refuses_what_it_does_not_implement(tmp_path, kustomization):
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    (tmp_path / "kustomization.yaml").write_text(kustomization)
    with pytest.raises(kustomize_lite.Unsupported):
        kustomize_lite.render(tmp_path)
