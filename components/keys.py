"""Customer-managed KMS keys, one per purpose in every region that holds data."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import Region, RegionKeys

from .iam import account_log_groups, document, enable_iam_policies, logs_key_statement

PURPOSES = ("data", "logs", "secrets", "backups")
_DESCRIPTIONS = {
    "data": "databases, caches, container images and replicated objects at rest",
    "logs": "CloudWatch log groups, flow logs and the encrypted alarm topic",
    "secrets": "Secrets Manager secrets and SSM SecureString parameters",
    "backups": "AWS Backup vaults",
}


@dataclass
class KeysArgs:
    name_prefix: str
    """Alias prefix, `elite-locadora-<env>`."""
    primary: Region
    """The stack's primary region (its provider, account and partition name the keys' policies)."""
    dr: Region
    """The disaster-recovery region."""
    protect: bool
    """Protect the keys from deletion (prod): losing a key loses everything it encrypted."""


def key_policy(account_id: str, partition: str, region: str, purpose: str, name_prefix: str) -> str:
    """The account-root statement lets IAM policies grant use of the key (services then act through
    kms:ViaService); the logs key also lets the services that write encrypted logs and alarm
    notifications use it directly, scoped to this account."""
    statements: list[dict] = [enable_iam_policies(account_id, partition)]
    if purpose == "logs":
        statements += [
            logs_key_statement(region, account_log_groups(account_id, partition, region)),
            {
                # Vended log deliveries of this account and region (CloudWatch Logs user guide, "Logging that
                # requires additional permissions": aws:SourceArn is the delivery source's logs ARN).
                "Sid": "LogDeliveryUsesKey",
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:logs:{region}:{account_id}:*"},
                },
            },
            {
                # This stack's alarms publish to its encrypted topic (alarm names start with the stack's prefix).
                "Sid": "StackAlarmsUseKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:{name_prefix}-*"
                    },
                },
            },
            {
                # EventBridge rules (failed backups and copies, rolled-back releases, failovers) publish to the
                # encrypted alarm topic. AWS does not support aws:SourceAccount or aws:SourceArn in a key policy
                # for EventBridge-to-encrypted-topic delivery (SNS Developer Guide, key management): with them,
                # every delivery fails (the rule's FailedInvocations) and no notice arrives. The topic policy
                # still admits only this account's rules.
                "Sid": "EventBridgeDeliversToEncryptedTopics",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            },
        ]
    return document(statements)


def rotating_key(
    name: str,
    description: str,
    *,
    protect: bool,
    opts: pulumi.ResourceOptions,
    policy: pulumi.Input[str] | None = None,
) -> aws.kms.Key:
    """A symmetric customer-managed key with automatic rotation, as every key of the stack but the DNSSEC one.
    Protected and retained when `protect` (prod: what it encrypted is unreadable without it), with KMS's longest
    deletion window (30 days) to undo a mistake; the shortest (7) otherwise. Without `policy`, AWS's default key
    policy applies until another resource sets one (aws.kms.KeyPolicy)."""
    return aws.kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30 if protect else 7,
        policy=policy,
        opts=pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(protect=protect, retain_on_delete=protect)
        ),
    )


class Keys(pulumi.ComponentResource):
    primary: RegionKeys
    dr: RegionKeys

    def __init__(self, name: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:keys:Keys", name, None, opts)
        self._args = args
        self.primary = self._create_region_keys(f"{name}-primary", args.primary)
        self.dr = self._create_region_keys(f"{name}-dr", args.dr)
        self.register_outputs(
            {
                f"{where}_{p}": getattr(getattr(self, where), p)
                for where in ("primary", "dr")
                for p in PURPOSES
            }
        )

    def _create_region_keys(self, name: str, region: Region) -> RegionKeys:
        provider = region.provider
        arns = {}
        for purpose in PURPOSES:
            key = rotating_key(
                f"{name}-{purpose}",
                f"{self._args.name_prefix}: {_DESCRIPTIONS[purpose]}",
                protect=self._args.protect,
                policy=pulumi.Output.all(region.account_id, region.partition, region.name).apply(
                    lambda a, purpose=purpose: key_policy(a[0], a[1], a[2], purpose, self._args.name_prefix)
                ),
                opts=pulumi.ResourceOptions(parent=self, provider=provider),
            )
            aws.kms.Alias(
                f"{name}-{purpose}-alias",
                name=f"alias/{self._args.name_prefix}-{purpose}",
                target_key_id=key.key_id,
                opts=pulumi.ResourceOptions(parent=self, provider=provider),
            )
            arns[purpose] = key.arn
        return RegionKeys(**arns)
