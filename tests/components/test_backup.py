"""AWS Backup built alone with what the plan protects given by hand: the operations tier always hands it the
database (components/operations.py), so no render builds the plan with nothing to protect."""

from __future__ import annotations

import pytest

from components.backup import Backups, BackupsArgs
from settings.backup import BackupSettings
from tests.components.alone import DR, PRIMARY, Built, build, region

SELECTION = "aws:backup/selection:Selection"
DATABASE = f"arn:aws:rds:{PRIMARY}:123456789012:db:elite-locadora-staging-mysql"


def _backups(resource_arns: tuple[str, ...]) -> Built[Backups]:
    def construct() -> Backups:
        return Backups(
            "backups",
            BackupsArgs(
                name_prefix="elite-locadora-staging",
                settings=BackupSettings(retention_days=7, dr_retention_days=7),
                protect=False,
                region=region(PRIMARY, "primary"),
                dr=region(DR, "dr"),
                resource_arns=resource_arns,
            ),
        )

    return build(construct, stack="staging")


@pytest.fixture(scope="module")
def nothing_to_protect() -> Built[Backups]:
    return _backups(())


def test_with_nothing_to_protect_no_selection_is_made(nothing_to_protect: Built[Backups]) -> None:
    """A backup selection that names no resource, tag or condition makes AWS Backup select every supported,
    opted-in resource of the account (BackupSelection, AWS Backup API reference): an empty list selects nothing
    only by not creating the selection. The vaults and the daily plan stay, ready for a selection."""
    assert not nothing_to_protect.of_type(SELECTION), (
        "a selection without resources backs up the whole account"
    )
    plan = nothing_to_protect.one("aws:backup/plan:Plan")
    [rule] = plan.inputs["rules"]
    assert [c["destinationVaultArn"] for c in rule["copyActions"]] == [
        nothing_to_protect.one("aws:backup/vault:Vault", "backups-dr-vault").state["arn"]
    ], "recovery points still copied to the DR vault"


def test_what_is_given_is_exactly_what_the_plan_selects() -> None:
    """The same component with the database to protect: one selection of exactly it, under the plan and the backup
    role (the counterpart of the case above, from the same hand-made args)."""
    built = _backups((DATABASE,))
    selection = built.one(SELECTION)
    assert selection.inputs["resources"] == [DATABASE]
    assert selection.inputs["planId"] == built.one("aws:backup/plan:Plan").id
    assert selection.inputs["iamRoleArn"] == built.one("aws:iam/role:Role").state["arn"]
