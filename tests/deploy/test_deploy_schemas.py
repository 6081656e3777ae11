"""Every rendered object validates against the Kubernetes OpenAPI schemas, offline.

kubernetes-validate ships JSON schemas for Kubernetes 1.25 to 1.37. We check the oldest
version we support (1.32: kubectl's version on the development machines) and the newest
schemas shipped (1.37), in strict mode, so an unknown or misspelt field fails too.
"""
import kubernetes_validate
import pytest

from deploy_manifests import TARGETS

pytestmark = pytest.mark.deploy

KUBERNETES_VERSIONS = ("1.32.0", "1.37.0")


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("target", TARGETS)
def test_objects_validate(rendered, target, version):
    errors = []
    for obj in rendered(target):
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            errors.append(f"{name}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{name}: {exc.message}")
    assert not errors, "\n".join(errors)
