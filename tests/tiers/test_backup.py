"""Backups: the guide's daily 03:00-04:00 window and 30-day retention in an encrypted AWS Backup vault, copied to a
vault in the DR region, covering the database and the buckets."""

from __future__ import annotations

import pytest

from tests.render import Render
from tests.tiers.ops_helpers import PLAN, SELECTION, VAULT, by_physical_name, key_arn, statements


def vault(r: Render, dr: bool = False) -> dict:
    name = f"elite-locadora-{r.stack}-{'dr-vault' if dr else 'vault'}"
    return by_physical_name(r, VAULT, name, "us-west-2" if dr else "us-east-1")


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_vaults_are_encrypted_with_each_regions_backups_key(render, stack: str) -> None:
    r = render(stack)
    for dr, region in ((False, "us-east-1"), (True, "us-west-2")):
        v = vault(r, dr)
        assert v["region"] == region, v["urn"]
        assert v["inputs"]["kmsKeyArn"] == key_arn(r, "backups", region), (
            f"{v['urn']}: backups key of {region}"
        )
        assert v["protect"] is (stack == "prod") and v["retainOnDelete"] is (stack == "prod"), v["urn"]


@pytest.mark.parametrize("stack,days", [("prod", 30), ("staging", 7)])
def test_plan_runs_daily_in_the_guides_window_and_copies_to_dr(render, stack: str, days: int) -> None:
    r = render(stack)
    plan = r.one(PLAN)
    [rule] = plan["inputs"]["rules"]
    urn = plan["urn"]
    assert rule["schedule"] == "cron(0 3 ? * * *)" and rule["scheduleExpressionTimezone"] == "Etc/UTC", (
        f"{urn}: daily at 03:00 UTC (operations.backup.window)"
    )
    assert rule["startWindow"] == 60, f"{urn}: jobs must start within 03:00-04:00"
    assert rule["completionWindow"] == 480, urn
    assert rule["lifecycle"] == {"deleteAfter": days}, f"{urn}: operations.backup.retentionDays"
    assert rule["targetVaultName"] == vault(r)["inputs"]["name"], urn
    [copy] = rule["copyActions"]
    assert copy["destinationVaultArn"] == vault(r, dr=True)["outputs"]["arn"], (
        f"{urn}: copies go to the DR vault"
    )
    assert copy["lifecycle"] == {"deleteAfter": days}, f"{urn}: operations.backup.drRetentionDays"


def test_plan_window_is_the_databases_backup_window(prod: Render) -> None:
    """The guide gives one backup window (03:00-04:00) for the database; the plan uses the same hour."""
    db = prod.of_type("aws:rds/instance:Instance")
    [primary] = [d for d in db if not d["inputs"].get("replicateSourceDb")]
    [rule] = prod.one(PLAN)["inputs"]["rules"]
    assert primary["inputs"]["backupWindow"].startswith("03:00") and rule["schedule"] == "cron(0 3 ? * * *)"


def test_selection_covers_the_database_and_the_buckets_with_the_backup_role(prod: Render) -> None:
    sel = prod.one(SELECTION)
    plan = prod.one(PLAN)
    assert sel["inputs"]["planId"] == plan["id"], sel["urn"]
    bucket_arns = {
        b["outputs"]["arn"]
        for b in prod.of_type("aws:s3/bucket:Bucket")
        if b["inputs"].get("bucket") == "elite-locadora-assets"
    }
    assert bucket_arns and bucket_arns <= set(sel["inputs"]["resources"]), f"{sel['urn']}: the assets bucket"
    dbs = [
        d["outputs"]["arn"]
        for d in prod.of_type("aws:rds/instance:Instance")
        if not d["inputs"].get("replicateSourceDb")
    ]
    assert set(dbs) <= set(sel["inputs"]["resources"]), f"{sel['urn']}: the primary database"
    [backup_role] = [
        x
        for x in prod.of_type("aws:iam/role:Role")
        if x["inputs"].get("name") == "elite-locadora-prod-backup"
    ]
    assert sel["inputs"]["iamRoleArn"] == backup_role["outputs"]["arn"], sel["urn"]
    trust = statements(backup_role["inputs"]["assumeRolePolicy"])
    assert trust == [
        {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    attached = {
        a["inputs"]["policyArn"]
        for a in prod.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a["inputs"]["role"] == backup_role["inputs"]["name"]
    }
    assert attached == {
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
    }, backup_role["urn"]


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_vaults_are_locked_in_governance_mode_at_the_plans_retention(render, stack: str) -> None:
    """Both stacks lock their vaults (staging exercises what prod runs); `lockVaults: false` creates none."""
    r = render(stack)
    locked = True
    locks = {
        (x["region"], x["inputs"]["backupVaultName"]): x
        for x in r.of_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    }
    if not locked:
        assert not locks, f"stack {stack}: operations.backup.lockVaults is false"
        return
    [rule] = r.one(PLAN)["inputs"]["rules"]
    for dr, days in (
        (False, rule["lifecycle"]["deleteAfter"]),
        (True, rule["copyActions"][0]["lifecycle"]["deleteAfter"]),
    ):
        v = vault(r, dr)
        lock = locks[(v["region"], v["inputs"]["name"])]
        assert lock["inputs"]["minRetentionDays"] == days, (
            f"{lock['urn']}: min retention = the plan's retention"
        )
        assert "changeableForDays" not in lock["inputs"], (
            f"{lock['urn']}: governance mode (compliance is irreversible)"
        )
        assert lock["inputs"]["maxRetentionDays"] >= days, lock["urn"]
