"""Config that lets a stack take over the Terraform-managed system: the primary restored from a snapshot."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from settings import ConfigError, build_settings
from tests.render import Render
from tests.test_settings import with_change
from tests.tiers.test_data import _program_with_data
from tools.adopt.render import ROOT
from tools.adopt.terraform import Provider
from tools.adopt.tfstate import load_state

RDS = "aws:rds/instance:Instance"
SNAPSHOT = "elite-locadora-production-84-datakey"


def test_primary_is_restored_from_the_configured_snapshot(render, tmp_path: Path) -> None:
    def restore(data: dict) -> None:
        data["database"]["restoreFromSnapshot"] = SNAPSHOT

    program = _program_with_data(tmp_path, "prod", restore)
    r: Render = render("prod", program=program, pack_config=ROOT / "policies/config/prod.json")
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
