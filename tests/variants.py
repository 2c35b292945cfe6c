"""Stack variants: prod and staging with the settings their stack files leave off, so the branches those
settings select are rendered too (tests/conftest.py: the `prod_variant` and `staging_variant` fixtures).

A render costs seconds of CPU (the program under the SDK, then the pack), and a variant with one setting changed
per test cost one render each. Each setting below selects a branch of ONE tier and changes nothing another
setting's tests read, so one render of each stack with all of them serves every such test: each test still
reads its own branch from the render, and a test that asks "does the stack pass the pack" asks it of the stack
with all of them set. A setting that changes what every tier reads (the primary region, tests/tiers/test_cdn.py)
or that fails the preview on purpose keeps its own render.

Both variants are also the stack as first deployed into an empty account (docs/first-deploy.md): no release yet
(`compute.bootstrap`). The staging variant is judged with a monthly budget of $1 (the budget policy is
advisory: tests/cost/test_stacks.py reads its verdict, no other test depends on it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# What a program copy needs besides its stack file (linked, not copied: the variant changes config only).
PROGRAM = ("__main__.py", "Pulumi.yaml", "components", "settings")

# prod, taking over the Terraform-managed system (docs/migration.md): the primary restored from the last
# snapshot of the old database (data.database.restoreFromSnapshot) and the old bucket's objects carried over
# (storage.seedFromBucket): tests/adopt/test_takeover.py.
SNAPSHOT = "elite-locadora-production-84-datakey"
LEGACY_BUCKET = "elite-locadora-assets-legacy"
# prod once staging's and review's zones exist: their name servers (and staging's DS record) in prod's
# dns.delegations: tests/tiers/test_dns.py.
STAGING_NAME_SERVERS = ["ns-9.awsdns-09.com", "ns-3.awsdns-03.co.uk"]
STAGING_DS = "12345 13 2 " + "AB" * 32
DELEGATIONS = {
    "review.elitelocadora.com": {"nameServers": ["ns-1.awsdns-01.org", "ns-2.awsdns-02.net"]},
    "staging.elitelocadora.com": {"nameServers": STAGING_NAME_SERVERS, "dsRecord": STAGING_DS},
}
# staging: the API's response-time alarm at 1.5 s (operations.alarms.responseTimeSeconds:
# tests/tiers/test_operations.py), the Redis token's version 2 and the in-region replicas reordered
# (data.cache.authTokenVersion, data.database.replicas: tests/tiers/test_data.py), a configured JWT secret
# (jwtSecret, a config secret: tests/tiers/test_secrets.py).
RESPONSE_TIME_SECONDS = 1.5
TOKEN_VERSION = 2
REPLICAS = [
    {"name": "reports", "instanceClass": "db.t4g.medium"},
    {"name": "replica-1", "instanceClass": "db.t4g.medium"},
]
JWT_SECRET = {"secure": "v1:c2VjcmV0"}


BUDGET_POLICY, BUDGET_USD = "monthly-cost-within-budget", 1


def _first_deploy(config: dict[str, Any]) -> None:
    """Both stacks as docs/first-deploy.md first deploys them: `bootstrap: true` instead of `images`
    (tests/tiers/test_compute.py)."""
    compute = config["elite-locadora:compute"]
    del compute["images"]
    compute["bootstrap"] = True


def _prod(config: dict[str, Any]) -> None:
    config["elite-locadora:data"]["database"]["restoreFromSnapshot"] = SNAPSHOT
    config["elite-locadora:storage"]["seedFromBucket"] = LEGACY_BUCKET
    config["elite-locadora:dns"]["delegations"] = DELEGATIONS
    _first_deploy(config)


def _staging(config: dict[str, Any]) -> None:
    config["elite-locadora:operations"]["alarms"]["responseTimeSeconds"] = RESPONSE_TIME_SECONDS
    config["elite-locadora:data"]["cache"]["authTokenVersion"] = TOKEN_VERSION
    config["elite-locadora:data"]["database"]["replicas"] = REPLICAS
    config["elite-locadora:jwtSecret"] = JWT_SECRET
    _first_deploy(config)


CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {"prod": _prod, "staging": _staging}


def pack_config(dst: Path, stack: str) -> Path:
    """The stack's pack config for its variant: staging's with a monthly budget of BUDGET_USD."""
    config = json.loads((ROOT / f"policies/config/{stack}.json").read_text())
    if stack == "staging":
        config[BUDGET_POLICY]["monthlyBudgetUsd"] = BUDGET_USD
    path = dst / f"{stack}-variant.json"
    path.write_text(json.dumps(config))
    return path


def program(dst: Path, stack: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """The program in `dst` (linked to this checkout) with Pulumi.<stack>.yaml changed by `change(config)`, config
    being the stack file's `config` map."""
    for name in PROGRAM:
        (dst / name).symlink_to(ROOT / name)
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    change(doc["config"])
    (dst / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc))
    return dst
