"""Config that lets a stack take over the Terraform-managed system: the primary restored from a snapshot."""

from __future__ import annotations

import copy
import json

import pytest

from settings import ConfigError, build_settings
from tests.render import Render
from tests.test_settings import with_change
from tests.variants import LEGACY_BUCKET, SNAPSHOT
from tools.adopt.render import ROOT
from tools.adopt.terraform import Provider
from tools.adopt.tfstate import load_state

RDS = "aws:rds/instance:Instance"


def test_primary_is_restored_from_the_configured_snapshot(prod_variant: Render) -> None:
    r = prod_variant  # data.database.restoreFromSnapshot = SNAPSHOT (tests/variants.py)
    primary = r.one(RDS, "data-mysql")
    assert primary["inputs"]["snapshotIdentifier"] == SNAPSHOT, primary["urn"]
    # Still the stack's key, engine and protections: the snapshot must already be 8.4 under the data key.
    assert primary["inputs"]["kmsKeyId"] == r.one("aws:kms/key:Key", "keys-primary-data")["outputs"]["arn"]
    assert primary["inputs"]["engineVersion"] == "8.4" and primary["protect"], primary["urn"]
    for replica in r.of_type(RDS):
        if replica["name"] != "data-mysql":
            assert "snapshotIdentifier" not in replica["inputs"], (
                f"{replica['urn']}: replicas follow the primary"
            )
    assert not r.mandatory(), [v["message"] for v in r.mandatory()]


def test_without_the_key_the_stack_starts_empty(prod: Render) -> None:
    assert "snapshotIdentifier" not in prod.one(RDS, "data-mysql")["inputs"]


@pytest.mark.parametrize(
    "value", ["snap--shot", "1-starts-with-a-digit", "ends-with-", "arn:aws:rds:us-east-1:1:db:x"]
)
def test_bad_snapshot_identifier_is_refused_naming_the_key(value: str) -> None:
    with pytest.raises(ConfigError) as err:
        build_settings(
            with_change("prod", "elite-locadora:data", ["database", "restoreFromSnapshot"], value),
            "elite-locadora",
            "prod",
        )
    assert "elite-locadora:data.database.restoreFromSnapshot" in str(err.value) and "snapshot" in str(
        err.value
    )


def test_the_provider_replaces_an_existing_database_given_a_snapshot_and_not_when_it_is_removed() -> None:
    """What the key's description promises, asked of the Terraform AWS provider pulumi-aws is bridged from."""
    db = next(
        t
        for t in load_state(ROOT / "tests/fixtures/terraform/elite-locadora-production.tfstate")
        if t.address == "aws_db_instance.database"
    )
    restored = copy.deepcopy(db)
    restored.attributes["snapshot_identifier"] = SNAPSHOT
    added, removed = Provider(ROOT / "out" / ".adopt").plan(
        [(db, {"snapshot_identifier": SNAPSHOT}), (restored, {"snapshot_identifier": None})]
    )
    assert added.actions == ["delete", "create"] and ["snapshot_identifier"] in added.replace_paths, added
    assert "delete" not in removed.actions, removed


def test_seed_role_lets_batch_operations_carry_the_old_objects_over(prod_variant: Render) -> None:
    r, old = prod_variant, LEGACY_BUCKET  # storage.seedFromBucket (tests/variants.py)
    role = r.one("aws:iam/role:Role", "storage-seed")
    trust = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "batchoperations.s3.amazonaws.com"}, role["urn"]
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"], f"{role['urn']}: confused deputy guard"
    policy = json.loads(r.one("aws:iam/rolePolicy:RolePolicy", "storage-seed")["inputs"]["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assets = r.one("aws:s3/bucket:Bucket", "storage-assets")["outputs"]["arn"]
    assert by_sid["ReadSourceObjects"]["Resource"] == f"arn:aws:s3:::{old}/*"
    assert "s3:GetObjectVersion" in by_sid["ReadSourceObjects"]["Action"], "versions are carried too"
    assert by_sid["WriteAssets"]["Resource"] == f"{assets}/*"
    assert by_sid["AssetsKey"]["Resource"] == r.one("aws:kms/key:Key", "storage-assets")["outputs"]["arn"]
    assert not r.mandatory(), [v["message"] for v in r.mandatory()]


def test_without_a_source_bucket_no_seed_role(prod: Render) -> None:
    assert not [x for x in prod.of_type("aws:iam/role:Role") if x["name"] == "storage-seed"]
