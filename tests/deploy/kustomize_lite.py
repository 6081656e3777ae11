"""A small kustomize renderer for the subset deploy/k8s uses, for machines without kubectl.

It is deliberately narrow: any kustomization field, patch style or generator option it does
not implement raises `Unsupported` instead of being ignored, so it can never render quietly
differently from `kubectl kustomize`. Where kubectl exists, tests/deploy compares the two
object for object (test_render.py), and the ConfigMap/Secret name hash is checked against
values produced by kustomize v5.5.0.

Supported (and used by deploy/k8s):
- `resources`: YAML files (multi-document) and directories holding a kustomization
- `namespace` (Namespace objects are renamed to it, as kustomize does)
- `configMapGenerator` / `secretGenerator` with `literals`, `files`, `envs`,
  `behavior: create|merge|replace`, `type` (secrets); name suffix = kustomize's content hash,
  computed once on the final content, and references from pod specs updated to it
- `images` (`name`, `newName`, `newTag`, `digest`) on containers and initContainers
- `patches` that are JSON 6902 operation lists (`add`, `replace`, `remove`), selected by
  `target` with `kind`, `name` (exact), `group`, `version`, `namespace` and an equality-only
  `labelSelector`
"""
import base64
import copy
import hashlib
import json
import os

import yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_FIELDS = {
    "apiVersion", "kind", "namespace", "resources", "configMapGenerator",
    "secretGenerator", "images", "patches",
}
CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "RuntimeClass",
}
POD_TEMPLATE_PATHS = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}


class Unsupported(Exception):
    """The kustomization uses something this renderer does not implement."""


def render(directory):
    """The objects `kubectl kustomize DIRECTORY` would print (as a list of dicts, any order)."""
    build = _build(os.path.abspath(directory))
    _apply_hash_suffixes(build)
    return [item["obj"] for item in build]


# ----------------------------------------------------------------------------- building
def _load_kustomization(directory):
    for name in KUSTOMIZATION_FILES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                data = yaml.safe_load(f) or {}
            break
    else:
        raise Unsupported(f"no kustomization file in {directory}")
    unknown = set(data) - SUPPORTED_FIELDS
    if unknown:
        raise Unsupported(f"{directory}: kustomization fields not supported: {sorted(unknown)}")
    if data.get("kind", "Kustomization") != "Kustomization":
        raise Unsupported(f"{directory}: kind {data['kind']} (components are not supported)")
    return data


def _build(directory):
    k = _load_kustomization(directory)
    items = []  # {"obj": dict, "hash": bool, "base_name": str}
    for ref in k.get("resources") or []:
        path = os.path.normpath(os.path.join(directory, ref))
        if "://" in ref:
            raise Unsupported(f"remote resource {ref}")
        if os.path.isdir(path):
            items.extend(_build(path))
        else:
            with open(path, encoding="utf-8") as f:
                for doc in yaml.safe_load_all(f):
                    if doc:
                        items.append({"obj": doc, "hash": False, "base_name": None})
    _check_unique(items, directory)
    for gen in k.get("configMapGenerator") or []:
        _generate(items, directory, gen, "ConfigMap")
    for gen in k.get("secretGenerator") or []:
        _generate(items, directory, gen, "Secret")
    if "namespace" in k:
        _set_namespace(items, k["namespace"])
    for patch in k.get("patches") or []:
        _patch(items, directory, patch)
    for image in k.get("images") or []:
        _set_image(items, image)
    _check_unique(items, directory)
    return items


def _identity(obj):
    group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
    meta = obj.get("metadata") or {}
    return (group, obj["kind"], meta.get("namespace"), meta["name"])


def _check_unique(items, directory):
    seen = set()
    for item in items:
        ident = _identity(item["obj"])
        if ident in seen:
            raise Unsupported(f"{directory}: duplicate resource {ident}")
        seen.add(ident)


# --------------------------------------------------------------------------- generators
def _generator_data(directory, gen, kind):
    allowed = {"name", "namespace", "behavior", "literals", "files", "envs"}
    if kind == "Secret":
        allowed.add("type")
    unknown = set(gen) - allowed
    if unknown:
        raise Unsupported(f"{kind} generator fields not supported: {sorted(unknown)}")
    data = {}

    def put(key, value):
        if key in data:
            raise Unsupported(f"{kind} {gen['name']}: duplicate key {key}")
        data[key] = value

    for literal in gen.get("literals") or []:
        key, sep, value = literal.partition("=")
        if not sep:
            raise Unsupported(f"literal without '=': {literal!r}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            raise Unsupported(f"quoted literal values are not supported: {literal!r}")
        put(key, value)
    for entry in gen.get("envs") or []:
        with open(os.path.join(directory, entry), encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                key, sep, value = line.partition("=")
                if not sep:
                    raise Unsupported(f"env line without '=': {line!r}")
                put(key, value)
    for entry in gen.get("files") or []:
        key, sep, path = entry.partition("=")
        if not sep:
            key, path = os.path.basename(entry), entry
        with open(os.path.join(directory, path), "rb") as f:
            raw = f.read()
        try:
            put(key, raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise Unsupported(f"binary file {path} (binaryData) is not supported")
    return data


def _generate(items, directory, gen, kind):
    data = _generator_data(directory, gen, kind)
    name = gen["name"]
    behavior = gen.get("behavior", "create")
    matches = [
        item for item in items
        if item["obj"]["kind"] == kind and item["obj"]["metadata"]["name"] == name
        and ("namespace" not in gen or item["obj"]["metadata"].get("namespace") == gen["namespace"])
    ]
    if behavior == "create":
        if matches:
            raise Unsupported(f"{kind} {name} already exists (use behavior: merge or replace)")
        obj = {"apiVersion": "v1", "kind": kind, "metadata": {"name": name}}
        if "namespace" in gen:
            obj["metadata"]["namespace"] = gen["namespace"]
        if kind == "Secret":
            obj["type"] = gen.get("type", "Opaque")
        items.append({"obj": obj, "hash": True, "base_name": name})
        target = obj
        target_data = {}
    elif behavior in ("merge", "replace"):
        if len(matches) != 1:
            raise Unsupported(f"{behavior}: expected one {kind} {name}, found {len(matches)}")
        target = matches[0]["obj"]
        current = target.get("data") or {}
        if kind == "Secret":
            current = {k: base64.b64decode(v).decode("utf-8") for k, v in current.items()}
        target_data = dict(current) if behavior == "merge" else {}
        if "type" in gen and gen["type"] != target.get("type"):
            raise Unsupported("changing a Secret's type in a merge is not supported")
    else:
        raise Unsupported(f"generator behavior {behavior}")
    target_data.update(data)
    if kind == "Secret":
        target_data = {k: _kustomize_base64(v) for k, v in target_data.items()}
    if target_data:
        target["data"] = dict(sorted(target_data.items()))


def _kustomize_base64(text):
    """Base64 as kustomize writes Secret data: one line up to 70 characters, else 70-character
    lines each ending in a newline (kyaml's encodeBase64)."""
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if len(encoded) < 70:
        return encoded
    return "".join(encoded[i:i + 70] + "\n" for i in range(0, len(encoded), 70))


def _go_json(value):
    """json.Marshal as Go writes it: sorted keys, no spaces, HTML-safe escapes."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def content_hash(obj):
    """kustomize's name suffix for a generated ConfigMap or Secret (api/hasher)."""
    if obj["kind"] == "ConfigMap":
        if obj.get("binaryData"):
            raise Unsupported("binaryData")
        encoded = {"kind": "ConfigMap", "name": "", "data": obj.get("data") or {}}
    elif obj["kind"] == "Secret":
        encoded = {"kind": "Secret", "type": obj.get("type", ""), "name": "",
                   "data": obj.get("data") or {}}
    else:
        raise Unsupported(f"hash of {obj['kind']}")
    digest = hashlib.sha256(_go_json(encoded).encode("utf-8")).hexdigest()
    return digest[:10].translate(str.maketrans({"0": "g", "1": "h", "3": "k", "a": "m", "e": "t"}))


def _apply_hash_suffixes(items):
    renames = {}  # (kind, namespace, old) -> new
    for item in items:
        if item["hash"]:
            obj = item["obj"]
            new = f"{item['base_name']}-{content_hash(obj)}"
            renames[(obj["kind"], obj["metadata"].get("namespace"), item["base_name"])] = new
            obj["metadata"]["name"] = new
    for item in items:
        obj = item["obj"]
        pod = _pod_spec(obj)
        if pod is None:
            continue
        ns = obj.get("metadata", {}).get("namespace")

        def fix(ref, key, kind):
            if isinstance(ref, dict) and key in ref:
                ref[key] = renames.get((kind, ns, ref[key]), ref[key])

        for container in _containers(pod):
            for env in container.get("env") or []:
                source = env.get("valueFrom") or {}
                fix(source.get("configMapKeyRef"), "name", "ConfigMap")
                fix(source.get("secretKeyRef"), "name", "Secret")
            for env_from in container.get("envFrom") or []:
                fix(env_from.get("configMapRef"), "name", "ConfigMap")
                fix(env_from.get("secretRef"), "name", "Secret")
        for volume in pod.get("volumes") or []:
            fix(volume.get("configMap"), "name", "ConfigMap")
            fix(volume.get("secret"), "secretName", "Secret")
            for source in (volume.get("projected") or {}).get("sources") or []:
                fix(source.get("configMap"), "name", "ConfigMap")
                fix(source.get("secret"), "name", "Secret")
        for pull in pod.get("imagePullSecrets") or []:
            fix(pull, "name", "Secret")


# ------------------------------------------------------------------------- transformers
def _pod_spec(obj):
    path = POD_TEMPLATE_PATHS.get(obj.get("kind"))
    if path is None:
        return None
    node = obj
    for key in path:
        node = (node or {}).get(key)
    return node


def _containers(pod):
    return list(pod.get("initContainers") or []) + list(pod.get("containers") or [])


def _set_namespace(items, namespace):
    for item in items:
        obj = item["obj"]
        if obj["kind"] == "Namespace":
            obj["metadata"]["name"] = namespace
        elif obj["kind"] not in CLUSTER_SCOPED:
            obj.setdefault("metadata", {})["namespace"] = namespace
        # kustomize also rewrites subjects of (Cluster)RoleBindings; none are used here.
        if obj["kind"] in ("RoleBinding", "ClusterRoleBinding"):
            raise Unsupported("namespace on RoleBinding subjects")


def _split_image(image):
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    name, tag = image, None
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        name, tag = image[:colon], image[colon + 1:]
    return name, tag, digest


def _set_image(items, spec):
    unknown = set(spec) - {"name", "newName", "newTag", "digest"}
    if unknown:
        raise Unsupported(f"images fields not supported: {sorted(unknown)}")
    for item in items:
        pod = _pod_spec(item["obj"])
        if pod is None:
            continue
        for container in _containers(pod):
            name, tag, digest = _split_image(container["image"])
            if name != spec["name"]:
                continue
            name = spec.get("newName", name)
            if "digest" in spec:
                tag, digest = None, spec["digest"]
            elif "newTag" in spec:
                tag, digest = str(spec["newTag"]), None
            container["image"] = name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def _matches(obj, target):
    unknown = set(target) - {"kind", "name", "group", "version", "namespace", "labelSelector"}
    if unknown:
        raise Unsupported(f"patch target fields not supported: {sorted(unknown)}")
    api = obj["apiVersion"]
    group, version = (api.split("/", 1) if "/" in api else ("", api))
    meta = obj.get("metadata") or {}
    if "kind" in target and obj["kind"] != target["kind"]:
        return False
    if "name" in target:
        if any(c in target["name"] for c in "*.^$[]()|+?"):
            raise Unsupported(f"regular expression in patch target name {target['name']!r}")
        if meta.get("name") != target["name"]:
            return False
    if "group" in target and group != target["group"]:
        return False
    if "version" in target and version != target["version"]:
        return False
    if "namespace" in target and meta.get("namespace") != target["namespace"]:
        return False
    if "labelSelector" in target:
        labels = meta.get("labels") or {}
        for term in target["labelSelector"].split(","):
            key, sep, value = term.strip().partition("=")
            if not sep or key.endswith("!") or value.startswith("="):
                raise Unsupported(f"labelSelector term {term!r} (only key=value)")
            if labels.get(key) != value:
                return False
    return True


def _patch(items, directory, patch):
    unknown = set(patch) - {"path", "patch", "target"}
    if unknown:
        raise Unsupported(f"patch fields not supported: {sorted(unknown)}")
    if "target" not in patch:
        raise Unsupported("patches without a target (strategic merge) are not supported")
    if "path" in patch:
        with open(os.path.join(directory, patch["path"]), encoding="utf-8") as f:
            ops = yaml.safe_load(f)
    else:
        ops = yaml.safe_load(patch["patch"])
    if not isinstance(ops, list):
        raise Unsupported("only JSON 6902 patches (a list of operations) are supported")
    for item in items:
        if _matches(item["obj"], patch["target"]):
            for op in ops:
                _json_patch_op(item["obj"], op)


def _pointer(path):
    if not path.startswith("/"):
        raise Unsupported(f"JSON pointer {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _json_patch_op(obj, op):
    kind = op["op"]
    if kind not in ("add", "replace", "remove"):
        raise Unsupported(f"JSON patch op {kind}")
    *parents, last = _pointer(op["path"])
    node = obj
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    value = copy.deepcopy(op.get("value"))
    if isinstance(node, list):
        if kind == "add":
            if last == "-":
                node.append(value)
            else:
                node.insert(int(last), value)
        elif kind == "replace":
            node[int(last)] = value
        else:
            del node[int(last)]
    else:
        if kind == "replace" and last not in node:
            raise KeyError(f"replace of missing {op['path']}")
        if kind == "remove":
            del node[last]
        else:
            node[last] = value
