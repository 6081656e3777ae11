"""contracts/asyncapi.yaml passes the official AsyncAPI parser (@asyncapi/parser, pinned with
its lock file in tools/asyncapi/) with no error and no warning. Skipped only where Node.js is
not installed; `npm ci` brings the parser in on first use."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from contracts import asyncapi

TOOL = Path(__file__).resolve().parents[2] / "tools" / "asyncapi"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
ERROR, WARNING = 0, 1


@pytest.fixture(scope="module")
def parser():
    if not (TOOL / "node_modules" / "@asyncapi" / "parser").exists():
        npm = shutil.which("npm")
        assert npm, "node is installed but npm is not: cannot install tools/asyncapi"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=TOOL, check=True,
                       capture_output=True, timeout=600)

    def diagnostics(path):
        done = subprocess.run([NODE, "check.mjs", str(path)], cwd=TOOL, capture_output=True,
                              text=True, timeout=120)
        return json.loads(done.stdout)
    return diagnostics


def test_the_document_has_no_errors_and_no_warnings(parser):
    found = parser(asyncapi.PATH)
    serious = [d for d in found if d["severity"] in (ERROR, WARNING)]
    assert serious == [], serious


def test_the_parser_does_catch_a_broken_document(parser, tmp_path):
    document = yaml.safe_load(asyncapi.PATH.read_text(encoding="utf-8"))
    channel = next(iter(document["channels"].values()))
    operation = channel.get("publish") or channel.get("subscribe")
    operation["message"] = {"$ref": "#/components/messages/no-such-message"}
    del document["info"]["license"]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    found = parser(broken)
    assert any(d["severity"] == ERROR for d in found), found
