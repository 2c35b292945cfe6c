"""The pack as a whole: its documentation, its config files, the insecure fixture, the real stacks."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from tools.analyzer import PolicyConfigError, PolicyPackSession
from tools.policy_table import BEGIN, END, table

ROOT = Path(__file__).resolve().parents[2]

# Each planted defect of tests/fixtures/insecure and the policies that must name it.
PLANTED = {
    "admin": {"iam-no-admin-statements"},
    "alb": {
        "alb-multi-az",
        "alb-subnets-distinct-azs",
        "lb-access-logs",
        "lb-deletion-protection",
        "lb-drop-invalid-headers",
        "waf-on-public-endpoints",
    },
    "api-token": {"ssm-secret-parameters-secure-string"},
    "cache": {"elasticache-automatic-failover", "elasticache-encrypted", "elasticache-snapshot-retention"},
    "cdn": {
        "cloudfront-origin-tls12",
        "cloudfront-tls12-minimum",
        "cloudfront-viewer-https",
        "waf-on-public-endpoints",
    },
    "db": {
        "rds-backup-retention",
        "rds-deletion-protection",
        "rds-final-snapshot",
        "rds-instance-multi-az",
        "rds-not-publicly-accessible",
        "rds-storage-encrypted",
    },
    "http-forward": {"lb-http-redirects-to-https"},
    "leaky": {"ecs-no-privileged-containers", "ecs-no-secrets-in-environment"},
    "mutable": {"ecr-repository-kms", "ecr-scan-on-push-immutable-tags"},
    "no-rotation": {"kms-key-rotation"},
    "old-tls": {"lb-listener-tls12"},
    "open-bucket": {
        "s3-bucket-denies-insecure-transport",
        "s3-bucket-kms-encryption",
        "s3-bucket-public-access-block",
        "s3-bucket-versioning",
    },
    "ssh-open": {"security-group-no-public-ingress"},
    "vpc": {"vpc-subnets-span-azs"},
}


def test_readme_table_equals_the_pack() -> None:
    readme = (ROOT / "policies" / "README.md").read_text()
    committed = readme.split(BEGIN)[1].split(END)[0].strip()
    assert committed == table(), "policies/README.md is stale: run python -m tools.policy_table --write"


def test_the_insecure_fixture_is_flagged_for_every_defect(render) -> None:
    r = render("test", program="tests/fixtures/insecure")
    found = defaultdict(set)
    for v in r.violations:
        found[v["urn"].rsplit("::", 1)[-1]].add(v["policy"])
    for name, policies in PLANTED.items():
        assert policies <= found[name], (
            f"{name}: expected {sorted(policies - found[name])} among {sorted(found[name])}"
        )
    untagged = {v["urn"].rsplit("::", 1)[-1] for v in r.violations if v["policy"] == "required-tags"}
    assert {"vpc", "open-bucket", "db"} <= untagged, "the default provider has no default tags"
    for v in r.violations:
        assert v["control"] or v["policy"] in {
            "required-tags",
            "stateful-resources-protected",
            "rds-final-snapshot",
            "ecr-repository-kms",
            "ssm-secret-parameters-secure-string",
            "vpc-subnets-span-azs",
            "alb-subnets-distinct-azs",  # deployability: cites the ELB guide, not a Security Hub control
        }, v
    assert r.exit_code == 1, "mandatory violations fail the preview"


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_the_stack_config_files_are_valid(stack: str) -> None:
    config = json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())
    with PolicyPackSession(ROOT / "policies", config=config) as pack:
        names = {p.name for p in pack.policies}
        assert set(config) - {"all"} <= names, f"{stack}.json configures unknown policies"


@pytest.mark.parametrize(
    "config,words",
    [
        ({"rds-backup-retention": {"minDays": 0}}, "policy 'rds-backup-retention': property 'minDays'"),
        (
            {"ecs-service-min-tasks": {"minTasks": "two"}},
            "policy 'ecs-service-min-tasks': property 'minTasks'",
        ),
        (
            {"lb-listener-tls12": {"allowedPolicies": []}},
            "policy 'lb-listener-tls12': property 'allowedPolicies'",
        ),
        ({"rds-instance-multi-az": {"enforcementLevel": "sometimes"}}, "rds-instance-multi-az"),
    ],
)
def test_a_bad_config_value_is_refused_at_configure(config, words) -> None:
    with (
        pytest.raises(PolicyConfigError, match=words.replace("(", r"\(")),
        PolicyPackSession(ROOT / "policies", config=config),
    ):
        pass


def test_prod_is_stricter_than_staging() -> None:
    prod = json.loads((ROOT / "policies" / "config" / "prod.json").read_text())
    staging = json.loads((ROOT / "policies" / "config" / "staging.json").read_text())
    assert prod["rds-backup-retention"]["minDays"] == 30, "the guide keeps 30 days of backups in prod"
    assert prod["stateful-resources-protected"]["enforcementLevel"] == "mandatory"
    assert staging["stateful-resources-protected"]["enforcementLevel"] == "disabled"
    assert staging["rds-instance-multi-az"]["enforcementLevel"] == "advisory"
