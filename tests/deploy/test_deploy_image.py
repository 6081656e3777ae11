"""Static checks of the Dockerfile (no Docker engine is needed, or available, here)."""
import re
import shlex

import pytest

from deploy_manifests import REPO, runner_services

pytestmark = pytest.mark.deploy

DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")


def instructions():
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_base_images_are_tagged_python_311_slim():
    """Python stages are python:3.11-slim; the console's build stage (`AS web`) alone is a
    slim Node image, and only its built files reach the runtime stage."""
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", DOCKERFILE, re.M))
    stages = [rest.split() for word, rest in instructions() if word == "FROM"]
    python = [words[0] for words in stages if words[-1] != "web"]
    assert len(python) >= 2, "multi-stage build expected"
    for image in python:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        assert image.startswith("python:3.11") and image.endswith("-slim") or "-slim-" in image, image
    for words in stages:
        if words[-1] == "web":
            image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], words[0])
            assert image.startswith("node:") and image.endswith("-slim"), image


def test_runs_as_uid_10001_and_serves_8080():
    final = instructions()
    last_from = max(i for i, (w, _) in enumerate(final) if w == "FROM")
    stage = final[last_from:]
    users = [rest for w, rest in stage if w == "USER"]
    assert users and users[-1] == "10001:10001"
    assert ("EXPOSE", "8080") in stage
    env = " ".join(rest for w, rest in stage if w == "ENV")
    assert "GONGZHI_HTTP_PORT=8080" in env and "GONGZHI_HTTP_HOST=0.0.0.0" in env


def test_entrypoint_runs_chassis_runner_with_a_default_service():
    entry = [rest for w, rest in instructions() if w == "ENTRYPOINT"][-1]
    assert "python -m chassis.runner" in entry
    default = re.search(r"^ARG SERVICE=(\w+)", DOCKERFILE, re.M).group(1)
    assert default in runner_services()


def test_build_context_holds_the_packages():
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    for needed in ("pyproject.toml", "chassis/**", "contracts/**", "services/**", "gateway/**"):
        assert f"!{needed}" in ignore
    copied = " ".join(rest for w, rest in instructions() if w == "COPY")
    for package in ("chassis", "contracts", "services", "gateway"):
        assert package in shlex.split(copied)
