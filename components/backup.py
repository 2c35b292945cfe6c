"""Backups: an AWS Backup vault per region, a daily plan in the guide's window, copies to the DR region.

The guide's "Automated Backup Strategy" keeps RDS automated backups (30 days, 03:00-04:00: the data tier) and
S3 versioning plus cross-region replication (the storage tier). Neither survives a mistake that is replicated
(a dropped table, an overwritten object) past the retention of its own mechanism, and neither is a copy
outside the primary region's account-level blast radius for the database. AWS Backup adds daily recovery
points of the database and the buckets, encrypted with the backups key, kept 30 days, and copied to a vault in
the DR region under that region's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionContext
from settings.backup import BackupSettings

from .iam import service_trust

# AWS managed policies for the AWS Backup service role (AWS Backup developer guide, "Default service role").
MANAGED_POLICIES = {
    "backup": "service-role/AWSBackupServiceRolePolicyForBackup",
    "restores": "service-role/AWSBackupServiceRolePolicyForRestores",
    "s3-backup": "AWSBackupServiceRolePolicyForS3Backup",
    "s3-restore": "AWSBackupServiceRolePolicyForS3Restore",
}


# A locked vault refuses recovery points kept longer than this (a guard against a typo of a retention in years).
MAX_LOCKED_RETENTION_DAYS = 365


@dataclass
class BackupsArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: BackupSettings
    """Window, completion window, retention and the DR copy."""
    protect: bool
    """Protect the vaults: deleting one deletes its recovery points."""
    region: RegionContext
    """The primary region: its backups key encrypts the vault; the managed policies' ARNs name its partition."""
    dr: RegionContext
    """The DR region: the copy vault, under its backups key."""
    resource_arns: Sequence[pulumi.Input[str]]
    """What the plan protects: the database instance and the buckets."""


class Backups(pulumi.ComponentResource):
    vault_arn: pulumi.Output[str]
    dr_vault_arn: pulumi.Output[str]
    plan_id: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: BackupsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:operations:Backups", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)

        vault = aws.backup.Vault(
            f"{name}-vault",
            name=f"{args.name_prefix}-vault",
            kms_key_arn=args.region.keys.backups,
            force_destroy=not args.protect,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect),
        )
        dr_vault = aws.backup.Vault(
            f"{name}-dr-vault",
            name=f"{args.name_prefix}-dr-vault",
            kms_key_arn=args.dr.keys.backups,
            force_destroy=not args.protect,
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.dr.provider, protect=args.protect, retain_on_delete=args.protect
            ),
        )
        if args.settings.lock_vaults:
            self._lock(f"{name}-vault", vault, args.settings.retention_days, self._child)
            self._lock(
                f"{name}-dr-vault",
                dr_vault,
                args.settings.dr_retention_days,
                pulumi.ResourceOptions(parent=self, provider=args.dr.provider),
            )
        role, attachments = self._create_role()
        plan = self._create_plan(vault, dr_vault)
        if args.resource_arns:
            aws.backup.Selection(
                f"{name}-data",
                name=f"{args.name_prefix}-data",
                plan_id=plan.id,
                iam_role_arn=role.arn,
                resources=list(args.resource_arns),
                # AWS Backup checks the role when the selection is created: its policies first.
                opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
            )

        self.vault_arn, self.dr_vault_arn = vault.arn, dr_vault.arn
        self.plan_id, self.role_arn = plan.id, role.arn
        self.register_outputs(
            {
                "vault_arn": self.vault_arn,
                "dr_vault_arn": self.dr_vault_arn,
                "plan_id": self.plan_id,
                "role_arn": self.role_arn,
            }
        )

    def _lock(
        self, name: str, vault: aws.backup.Vault, retention_days: int, opts: pulumi.ResourceOptions
    ) -> None:
        """Governance mode (no `changeable_for_days`): recovery points cannot be deleted or shortened below the
        plan's retention, while an administrator with `backup:BypassVaultLock…` can still undo the lock; compliance
        mode would be irreversible after its grace period."""
        aws.backup.VaultLockConfiguration(
            f"{name}-lock",
            backup_vault_name=vault.name,
            min_retention_days=retention_days,
            max_retention_days=MAX_LOCKED_RETENTION_DAYS,
            opts=opts,
        )

    def _create_role(self) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
        role = aws.iam.Role(
            f"{self._name}-role",
            name=f"{self._args.name_prefix}-backup",
            description="AWS Backup: back up and restore the database and the buckets",
            assume_role_policy=service_trust("backup.amazonaws.com"),
            opts=self._child,
        )
        partition = self._args.region.partition
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{self._name}-role-{key}",
                role=role.name,
                policy_arn=partition.apply(lambda p, path=path: f"arn:{p}:iam::aws:policy/{path}"),
                opts=self._child,
            )
            for key, path in MANAGED_POLICIES.items()
        ]
        return role, attachments

    def _create_plan(self, vault: aws.backup.Vault, dr_vault: aws.backup.Vault) -> aws.backup.Plan:
        s = self._args.settings
        copy_actions = (
            [
                aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=dr_vault.arn,
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(delete_after=s.dr_retention_days),
                )
            ]
            if s.copy_to_dr
            else None
        )
        return aws.backup.Plan(
            f"{self._name}-plan",
            name=f"{self._args.name_prefix}-daily",
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name="daily",
                    target_vault_name=vault.name,
                    schedule=s.schedule,
                    schedule_expression_timezone="Etc/UTC",
                    start_window=s.start_window_minutes,
                    completion_window=s.completion_window_minutes,
                    lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=s.retention_days),
                    copy_actions=copy_actions,
                    recovery_point_tags={"Plan": f"{self._args.name_prefix}-daily"},
                )
            ],
            opts=self._child,
        )
