"""The delivery docs stay true: their links resolve, the config keys they tell operators to change exist in
both stack files, and the commands the README gives run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
# Keys docs/operations.md tells operators to change (deploy, scale, rotate); each must exist in both stacks.
KEYS = [
    "compute.images.frontend",
    "compute.images.backend",
    "compute.registry.keepReleases",
    "compute.capacityProviderStrategy",
    "compute.web.minCount",
    "compute.api.maxCount",
    "compute.worker.cpu",
    "compute.api.cpuTargetPercent",
    "compute.web.requestsPerTarget",
    "data.database.instanceClass",
    "data.database.replicas",
    "data.cache.nodeType",
    "data.cache.numCacheClusters",
    "operations.search.instanceType",
    "operations.search.instanceCount",
    "cicd.githubOidcProvider",
    "cicd.applications",
]


def names_key(text: str, key: str) -> bool:
    """The guide names the key as a key: its dotted path, where a segment may be a placeholder
    (`compute.<service>.cpu`, `compute.images.<app>`), or its last segment as a code span of its own
    (`cpuTargetPercent`). A word of the prose does not count: "CPU" is not `compute.worker.cpu`."""
    path = r"\.".join(rf"(?:{re.escape(part)}|<[^>]*>)" for part in key.split("."))
    return bool(re.search(path, text) or re.search(rf"`{re.escape(key.rsplit('.', 1)[-1])}`", text))


def delivery_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Delivery\n")
    return readme[start : readme.index("\n## ", start + 1)]


def links(text: str) -> list[str]:
    return [t for t in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text) if "://" not in t]


@pytest.mark.parametrize(
    ("doc", "text"),
    [
        ("README.md#delivery", lambda: delivery_section()),
        ("docs/operations.md", lambda: OPERATIONS.read_text()),
        ("docs/first-deploy.md", lambda: (OPERATIONS.parent / "first-deploy.md").read_text()),
    ],
)
def test_links_resolve(doc, text):
    base = ROOT if doc.startswith("README") else OPERATIONS.parent
    found = links(text())
    assert found, f"{doc} links the other delivery documents"
    missing = [t for t in found if not (base / t).exists()]
    assert not missing, f"{doc} links to missing files: {missing}"


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_keys_the_operations_guide_names_exist(stack):
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    text = OPERATIONS.read_text()
    for key in KEYS:
        head, *path = key.split(".")
        value = config.get(f"elite-locadora:{head}")
        for part in path:
            assert isinstance(value, dict) and part in value, (
                f"Pulumi.{stack}.yaml has no elite-locadora:{key}"
            )
            value = value[part]
        assert names_key(text, key), f"docs/operations.md does not name the key {key}"


def test_readme_delivery_commands_are_real_commands():
    section = delivery_section()
    for module in ("tools.sarif", "tools.diagram", "tools.preview"):
        assert f"-m {module}" in section, f"README Delivery gives the {module} command"
        result = subprocess.run(
            [sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"python -m {module} --help failed: {result.stderr}"
    for target in ("make test", "make preview STACK=prod", "make preview STACK=staging"):
        assert target in section, f"README Delivery gives `{target}`"
