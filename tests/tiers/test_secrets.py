"""Application parameters and secrets: the guide's three SSM SecureString parameters, encrypted with the secrets
key, copied to the DR region, secret end to end (never in clear in preview.json, outputs or the report)."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from components.secrets import database_url
from settings import SECRET_KEYS
from tests.render import Render
from tests.tiers.ops_helpers import PARAMETER, key_arn
from tools.preview import ROOT, placeholder

PATHS = ("database/url", "app/jwt-secret", "payments/stripe-secret")
RANDOM = "random:index/randomPassword:RandomPassword"
# The offline preview's stand-ins for generated values start with this (tools/mocks/resources/other_providers.py);
# they must never show.
GENERATED = re.compile(r"Offline[0-9a-f]{16,}")


def parameter(r: Render, path: str, region: str = "us-east-1") -> dict:
    name = f"/elite-locadora/{r.stack}/{path}"
    [p] = [p for p in r.of_type(PARAMETER) if p["inputs"]["name"] == name and p["region"] == region]
    return p


@pytest.mark.parametrize("stack", ["prod", "staging"])
@pytest.mark.parametrize("region,where", [("us-east-1", "primary"), ("us-west-2", "DR")])
def test_the_guides_parameters_are_secure_strings_under_the_secrets_key(render, stack, region, where) -> None:
    r = render(stack)
    dr_replica = any(d["region"] == "us-west-2" for d in r.of_type("aws:rds/instance:Instance"))
    for path in PATHS:
        if region == "us-west-2" and path == "database/url" and not dr_replica:
            continue  # no cross-region replica in this stack: nothing for a DR database URL to name
        p = parameter(r, path, region)
        assert p["inputs"]["type"] == "SecureString", f"{p['urn']}: the guide's type"
        assert p["inputs"]["keyId"] == key_arn(r, "secrets", region), f"{p['urn']}: {where} secrets key"
        assert p["inputs"]["value"] == "[secret]" and "value" in p["secretInputs"], (
            f"{p['urn']}: value in clear"
        )
        assert p["inputs"]["tier"] == "Standard", p["urn"]


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_no_secret_value_appears_in_clear_anywhere(render, stack: str) -> None:
    r = render(stack)
    text = json.dumps(r.data)
    for key in SECRET_KEYS:
        assert placeholder(f"elite-locadora:{key}") not in text, (
            f"stack {stack}: config secret {key} in clear"
        )
    assert not GENERATED.search(text), (
        f"stack {stack}: a generated secret is in clear: {GENERATED.search(text)[0][:12]}…"
    )
    assert not GENERATED.search(r.report) and "offline-placeholder" not in r.report, (
        "the report shows a secret"
    )
    for name, value in r.outputs.items():
        assert "placeholder" not in str(value) and not GENERATED.search(str(value)), f"output {name}"


def test_stripe_key_is_a_declared_config_secret() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["config"]["stripeSecretKey"]["secret"] is True, (
        "Pulumi.yaml: stripeSecretKey must be secret"
    )
    assert {"stripeSecretKey", "jwtSecret"} <= set(SECRET_KEYS)
    for stack in ("prod", "staging"):
        cfg = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        for key in ("elite-locadora:stripeSecretKey", "elite-locadora:jwtSecret"):
            assert key not in cfg or set(cfg[key]) == {"secure"}, (
                f"Pulumi.{stack}.yaml: {key} must be --secret"
            )


def test_jwt_secret_is_generated_when_not_configured(prod: Render) -> None:
    jwt = parameter(prod, "app/jwt-secret")
    [generated] = [g for g in prod.of_type(RANDOM) if g["name"] == "secrets-jwt-secret-value"]
    assert generated["inputs"]["length"] == 64 and generated["inputs"]["special"] is False
    assert generated["urn"] in jwt["propertyDependencies"]["value"], (
        f"{jwt['urn']}: value must come from the generator"
    )
    dr = parameter(prod, "app/jwt-secret", "us-west-2")
    assert generated["urn"] in dr["propertyDependencies"]["value"], (
        f"{dr['urn']}: the DR copy holds the same secret"
    )


def test_configured_jwt_secret_replaces_the_generator(staging_variant: Render) -> None:
    r = staging_variant  # jwtSecret set as a config secret (tests/variants.py)
    assert not [g for g in r.of_type(RANDOM) if g["name"] == "secrets-jwt-secret-value"], (
        "generator still created"
    )
    jwt = parameter(r, "app/jwt-secret")
    assert jwt["inputs"]["value"] == "[secret]" and "value" in jwt["secretInputs"], jwt["urn"]
    assert placeholder("elite-locadora:jwtSecret") not in json.dumps(r.data)


def test_database_url_carries_no_user_or_password() -> None:
    """The rotated application user alternates with `<name>_clone` and Laravel lets the URL's user override
    DB_USERNAME: the URL names only host, port and schema."""
    url = database_url("db.example.internal", 3306, "elite_locadora")
    assert url == "mysql://db.example.internal:3306/elite_locadora"
    assert "@" not in url, "user@ or user:password@ form"


def test_database_url_is_built_from_the_primary_and_the_dr_replica(prod: Render) -> None:
    db = [d for d in prod.of_type("aws:rds/instance:Instance") if not d["inputs"].get("replicateSourceDb")]
    replicas = [d for d in prod.of_type("aws:rds/instance:Instance") if d["region"] == "us-west-2"]
    url = parameter(prod, "database/url")
    assert db[0]["urn"] in url["propertyDependencies"]["value"], (
        f"{url['urn']}: must be derived from the primary"
    )
    dr_url = parameter(prod, "database/url", "us-west-2")
    assert replicas and replicas[0]["urn"] in dr_url["propertyDependencies"]["value"], (
        f"{dr_url['urn']}: the DR URL must name the cross-region replica"
    )


def test_the_api_and_worker_read_the_parameters_by_reference(prod: Render) -> None:
    arns = {parameter(prod, path)["outputs"]["arn"] for path in PATHS}
    for name in ("compute-api", "compute-worker"):
        td = prod.one("aws:ecs/taskDefinition:TaskDefinition", name)
        defs = td["inputs"]["containerDefinitions"]
        [container] = json.loads(defs) if isinstance(defs, str) else defs
        refs = {s["valueFrom"] for s in container.get("secrets", [])}
        assert arns <= refs, f"{td['urn']}: the three parameters must be injected as secrets (valueFrom)"
        env = json.dumps(container.get("environment", []))
        assert "JWT" not in env and "STRIPE_SECRET" not in env, f"{td['urn']}: secret in the environment"


# -- protection of what cannot be regenerated (issue #14 item 3) ---------------------------------------------------
# Types whose replacement loses data or key material (or, for a secret, fails: its name stays reserved for the
# recovery window). The rule is over the whole prod render: every instance of these types is protected.
STATEFUL_OR_KEY_MATERIAL = frozenset(
    {
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:s3/bucket:Bucket",
        "aws:kms/key:Key",
        "aws:kms/replicaKey:ReplicaKey",
        "aws:ecr/repository:Repository",
        "aws:backup/vault:Vault",
        "aws:opensearch/domain:Domain",
        "aws:sqs/queue:Queue",
        "aws:secretsmanager/secret:Secret",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:ssm/parameter:Parameter",
        RANDOM,
        "tls:index/privateKey:PrivateKey",
    }
)
# Credentials whose replacement *is* their rotation (nothing is encrypted with them): named, with the reason.
ROTATED_BY_REPLACEMENT = {
    "data-redis-auth": "the Redis AUTH token: cache.authTokenVersion replaces it (ElastiCache ROTATE keeps the "
    "previous token valid) and writes a new secret version",
    "edge-origin-verify": "the header CloudFront sends and the ALB's rule requires: a new value updates both in "
    "one deploy (requests may get 403 until CloudFront's change has propagated); nothing is encrypted with it",
}


def test_app_key_is_the_secrets_tiers_under_the_names_it_had_in_compute(prod: Render) -> None:
    """APP_KEY and its DR copy belong to the secrets tier with the other parameters (#18), under the logical names
    the compute tier gave them: with the alias to their old parent, an existing stack moves them in state; a new
    name would be a new key, and every encrypted value written with the old one unreadable."""
    for type_, name in (
        ("random:index/randomPassword:RandomPassword", "compute-app-key-value"),
        (PARAMETER, "compute-app-key"),
        (PARAMETER, "compute-dr-app-key"),
    ):
        resource = prod.one(type_, name)
        assert resource["parent"].endswith("$elite-locadora:secrets:AppSecrets::secrets"), resource["urn"]


def test_everything_that_holds_data_or_keys_is_protected_in_prod(prod: Render) -> None:
    unprotected = [
        r["urn"]
        for r in prod.of_type(*STATEFUL_OR_KEY_MATERIAL)
        if not (r["protect"] and r["retainOnDelete"])
        and not (r["name"] in ROTATED_BY_REPLACEMENT and r["type"] != "aws:secretsmanager/secret:Secret")
    ]
    assert not unprotected, "prod: protect=True and retain_on_delete=True needed on:\n" + "\n".join(
        unprotected
    )
    names = {r["name"] for r in prod.of_type(RANDOM, "aws:secretsmanager/secretVersion:SecretVersion")}
    assert set(ROTATED_BY_REPLACEMENT) <= names, "an exemption names nothing: remove it"
    for key in ("compute-app-key-value", "secrets-jwt-secret-value", "data-mysql-master-password"):
        assert prod.one(RANDOM, key)["protect"] is True, f"{key}: key material"


def test_staging_protects_nothing(staging: Render) -> None:
    protected = [r["urn"] for r in staging.resources if r.get("protect")]
    assert not protected, f"staging (elite-locadora:protect false) protects: {protected}"
