"""Policy checks on the rendered manifests (the rules in deploy/k8s/README.md)."""
import pytest

from deploy_manifests import (
    K8S, OVERLAYS, TARGETS, app_deployments, by_kind, containers, pod_labels, pod_spec,
    runner_services, selector_matches, workloads,
)

pytestmark = pytest.mark.deploy

HEALTH_PATHS = {"livenessProbe": "/health/live", "readinessProbe": "/health/ready"}


def _container_port(container, port):
    for p in container.get("ports") or []:
        if port in (p.get("name"), p["containerPort"]):
            return p["containerPort"]
    raise AssertionError(f"{container['name']}: probe port {port!r} is not a container port")


@pytest.mark.parametrize("target", TARGETS)
def test_every_container_has_resources_and_is_locked_down(rendered, target):
    problems = []
    for obj in workloads(rendered(target)):
        pod = pod_spec(obj)
        pod_sc = pod.get("securityContext") or {}
        for c in containers(obj):
            where = f"{obj['kind']}/{obj['metadata']['name']}/{c['name']}"
            res = c.get("resources") or {}
            for kind in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in (res.get(kind) or {}):
                        problems.append(f"{where}: no {kind}.{resource}")
            sc = c.get("securityContext") or {}
            if not (sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True):
                problems.append(f"{where}: runAsNonRoot is not true")
            if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
                problems.append(f"{where}: runs as uid 0")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if sc.get("privileged"):
                problems.append(f"{where}: privileged")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem is not true")
            if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
                problems.append(f"{where}: capabilities do not drop ALL")
            if (sc.get("capabilities") or {}).get("add"):
                problems.append(f"{where}: adds capabilities")
            seccomp = sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}
            if seccomp.get("type") != "RuntimeDefault":
                problems.append(f"{where}: seccompProfile is not RuntimeDefault")
        if pod.get("automountServiceAccountToken") is not False:
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: mounts an API token")
        if pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"):
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: uses host namespaces")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("target", TARGETS)
def test_service_probes_use_health_endpoints_on_the_http_port(rendered, target):
    objects = rendered(target)
    config = {k: v for cm in by_kind(objects, "ConfigMap") for k, v in (cm.get("data") or {}).items()}
    http_port = int(config["GONGZHI_HTTP_PORT"])
    for dep in app_deployments(objects):
        for c in pod_spec(dep)["containers"]:
            for probe, path in HEALTH_PATHS.items():
                get = (c.get(probe) or {}).get("httpGet")
                assert get, f"{dep['metadata']['name']}: no HTTP {probe}"
                assert get["path"] == path, f"{dep['metadata']['name']}: {probe} on {get['path']}"
                assert _container_port(c, get["port"]) == http_port
            startup = (c.get("startupProbe") or {}).get("httpGet")
            if startup:
                assert startup["path"] == "/health/live"


@pytest.mark.parametrize("target", TARGETS)
def test_app_containers_run_the_one_image_with_writable_tmp_only(rendered, target):
    for dep in app_deployments(rendered(target)):
        pod = pod_spec(dep)
        name = dep["metadata"]["name"]
        (c,) = pod["containers"]
        assert c["image"].split(":")[0].endswith("gongzhi"), c["image"]
        assert c["args"] == [name], "the Deployment must run `python -m chassis.runner <its name>`"
        sc = {**(pod.get("securityContext") or {}), **(c.get("securityContext") or {})}
        assert sc.get("runAsUser") == 10001 and sc.get("runAsGroup") == 10001
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        for mount in c.get("volumeMounts") or []:
            assert mount["mountPath"] == "/tmp", f"{name}: unexpected writable mount {mount}"
            assert "emptyDir" in volumes[mount["name"]]


@pytest.mark.parametrize("target", TARGETS)
def test_images_are_pinned(rendered, target):
    for obj in workloads(rendered(target)):
        for c in containers(obj):
            image = c["image"]
            if "@sha256:" in image:
                continue
            last = image.rsplit("/", 1)[-1]
            assert ":" in last, f"{obj['metadata']['name']}: untagged image {image}"
            assert last.split(":", 1)[1] not in ("latest", ""), f"unpinned image {image}"


@pytest.mark.parametrize("target", TARGETS)
def test_every_deployment_has_an_hpa_and_a_pdb(rendered, target):
    objects = rendered(target)
    hpas = by_kind(objects, "HorizontalPodAutoscaler")
    pdbs = by_kind(objects, "PodDisruptionBudget")
    for dep in by_kind(objects, "Deployment"):
        name = dep["metadata"]["name"]
        assert dep["apiVersion"] == "apps/v1"
        targeting = [
            h for h in hpas
            if h["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        ]
        assert len(targeting) == 1, f"Deployment {name}: {len(targeting)} HPAs"
        hpa = targeting[0]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        assert "replicas" not in dep["spec"], f"{name}: the HPA owns the replica count"
        labels = pod_labels(dep)
        covering = [p for p in pdbs if selector_matches(p["spec"]["selector"], labels)]
        assert len(covering) == 1, f"Deployment {name}: {len(covering)} PDBs"
        assert covering[0]["apiVersion"] == "policy/v1"
        assert selector_matches(dep["spec"]["selector"], labels)


def test_every_runner_service_has_its_manifest_and_nothing_else_does(rendered):
    names = runner_services()
    for name in names:
        assert (K8S / "base" / name / f"{name}.yaml").is_file(), f"deploy/k8s/base/{name}/ missing"
    for target in TARGETS:
        deployed = sorted(d["metadata"]["name"] for d in app_deployments(rendered(target)))
        assert deployed == names, f"{target}: Deployments {deployed} != runner services {names}"


@pytest.mark.parametrize("target", TARGETS)
def test_only_the_gateway_takes_traffic_from_outside(rendered, target):
    objects = rendered(target)
    policies = by_kind(objects, "NetworkPolicy")
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]
            and p["spec"].get("policyTypes") == ["Ingress"]]
    assert deny, "no default-deny ingress policy"
    gateway_labels = pod_labels(next(d for d in app_deployments(objects) if d["metadata"]["name"] == "gateway"))
    open_to_all = []
    for p in policies:
        for rule in p["spec"].get("ingress") or []:
            if not rule.get("from"):
                open_to_all.append(p)
                assert selector_matches(p["spec"]["podSelector"], gateway_labels), p["metadata"]["name"]
                assert p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == "gateway"
                assert [port["port"] for port in rule["ports"]] == [8080]
    assert open_to_all, "nothing lets traffic reach the gateway"
    services = [s for s in by_kind(objects, "Service")
                if s["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "gongzhi"
                and s["spec"].get("clusterIP") != "None"]
    assert [s["metadata"]["name"] for s in services] == ["gateway"]
    for s in by_kind(objects, "Service"):
        assert s["spec"].get("type", "ClusterIP") == "ClusterIP", "expose the gateway in an overlay"


@pytest.mark.parametrize("target", TARGETS)
def test_monitoring_may_scrape_every_service(rendered, target):
    objects = rendered(target)
    scrape = [p for p in by_kind(objects, "NetworkPolicy") for rule in p["spec"].get("ingress") or []
              if any(f.get("namespaceSelector", {}).get("matchLabels") == {"gongzhi.io/monitoring": "true"}
                     for f in rule.get("from") or [])]
    assert scrape
    for dep in app_deployments(objects):
        assert any(selector_matches(p["spec"]["podSelector"], pod_labels(dep)) for p in scrape)
        assert dep["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"


def test_dev_is_self_contained_with_one_replica_each(rendered):
    objects = rendered("overlays/dev")
    for hpa in by_kind(objects, "HorizontalPodAutoscaler"):
        assert hpa["spec"]["minReplicas"] == 1
    stateful = {s["metadata"]["name"]: s for s in by_kind(objects, "StatefulSet")}
    assert set(stateful) == {"rabbitmq", "mongo"}
    assert "--replSet" in pod_spec(stateful["mongo"])["containers"][0]["args"]
    secrets = {s["metadata"]["name"] for s in by_kind(objects, "Secret")}
    for dep in app_deployments(objects):
        for c in pod_spec(dep)["containers"]:
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] in secrets, f"dev Secret {ref['name']} is not generated"
        labels = pod_labels(dep)
        for infra, port in (("rabbitmq", 5672), ("mongo", 27017)):
            allowed = [
                p for p in by_kind(objects, "NetworkPolicy")
                if p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == infra
                for rule in p["spec"].get("ingress") or []
                if any(selector_matches(f.get("podSelector", {}), labels) for f in rule.get("from") or [])
                and port in [x["port"] for x in rule["ports"]]
            ]
            assert allowed, f"{dep['metadata']['name']} may not reach {infra}:{port}"


def test_prod_uses_external_broker_and_store_and_an_existing_secret(rendered):
    objects = rendered("overlays/prod")
    assert not by_kind(objects, "StatefulSet"), "prod uses the managed broker and store"
    assert not by_kind(objects, "Secret"), "prod references a Secret the operator creates"
    for hpa in by_kind(objects, "HorizontalPodAutoscaler"):
        assert hpa["spec"]["minReplicas"] >= 2
    for dep in app_deployments(objects):
        for c in pod_spec(dep)["containers"]:
            refs = {(e.get("valueFrom") or {}).get("secretKeyRef", {}).get("name")
                    for e in c.get("env") or []} - {None}
            assert refs == {"gongzhi-secrets"}
            res = c["resources"]
            assert res["limits"]["memory"] == res["requests"]["memory"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lands_in_the_gongzhi_namespace(rendered, overlay):
    # Both overlays keep the base's namespace and put every namespaced object in it.
    for obj in rendered(overlay):
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == "gongzhi", obj["metadata"]["name"]
