"""IAM and KMS policy pieces several tiers write the same way: the document envelope, trust policies for AWS
services, the key-policy statement that keeps a key governed by IAM, and the one that lets CloudWatch Logs encrypt
log groups with a key. Pure functions of names and ARNs (no Pulumi), so tests can read what they return.

The documents are `json.dumps` of dicts in a fixed key order, as the tiers wrote them before: a changed order or
separator would show as a changed policy on every stack.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

VERSION = "2012-10-17"

LOGS_KEY_ACTIONS = [
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
]
"""What CloudWatch Logs needs on a key to encrypt a log group (CloudWatch Logs user guide, "Encrypt log data in
CloudWatch Logs using AWS KMS")."""


def document(statements: list[dict]) -> str:
    """A policy document of `statements`."""
    return json.dumps({"Version": VERSION, "Statement": statements})


def account_root(account_id: str, partition: str) -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def deny_insecure_transport(bucket_arn: str, sid: str = "DenyInsecureConnections") -> dict:
    """The guide's DenyInsecureConnections bucket-policy statement: no request without TLS, from anyone."""
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


# -- trust policies ---------------------------------------------------------------------------------------------
def allow_assume(
    principal: Mapping[str, str], condition: Mapping | None = None, sid: str | None = None
) -> dict:
    """One statement letting `principal` assume the role (`sts:AssumeRole`), under `condition` if given."""
    statement: dict = {"Sid": sid} if sid else {}
    statement |= {"Effect": "Allow", "Principal": dict(principal), "Action": "sts:AssumeRole"}
    if condition is not None:
        statement["Condition"] = dict(condition)
    return statement


def source_account(account_id: str) -> dict:
    """The confused-deputy condition: the service acts on behalf of this account only."""
    return {"StringEquals": {"aws:SourceAccount": account_id}}


def service_trust(service: str, account_id: str | None = None) -> str:
    """Trust policy for an AWS service principal; with `account_id`, only on behalf of that account."""
    condition = source_account(account_id) if account_id is not None else None
    return document([allow_assume({"Service": service}, condition)])


# -- key policies -----------------------------------------------------------------------------------------------
def enable_iam_policies(account_id: str, partition: str) -> dict:
    """The account root may do anything with the key: IAM policies then decide who may use it (without this
    statement, only the key policy would, and a mistake in it could lock the key out)."""
    return {
        "Sid": "EnableIamPolicies",
        "Effect": "Allow",
        "Principal": {"AWS": account_root(account_id, partition)},
        "Action": "kms:*",
        "Resource": "*",
    }


def logs_key_statement(region: str, condition: Mapping, sid: str = "CloudWatchLogsEncryptLogGroups") -> dict:
    """CloudWatch Logs of `region` may use the key for the log groups `condition` admits (a condition on
    `kms:EncryptionContext:aws:logs:arn`, the log group's ARN)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": list(LOGS_KEY_ACTIONS),
        "Resource": "*",
        "Condition": dict(condition),
    }


def account_log_groups(account_id: str, partition: str, region: str) -> dict:
    """Condition for `logs_key_statement`: any log group of this account in `region`."""
    return {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account_id}:*"}
    }


def log_group_key_policy(
    account_id: str,
    partition: str,
    region: str,
    condition: Mapping,
    sid: str = "CloudWatchLogsEncryptLogGroups",
) -> str:
    """The policy of a key that only encrypts log groups: IAM governs people (root statement), CloudWatch Logs of
    `region` uses it for the log groups `condition` admits."""
    return document([enable_iam_policies(account_id, partition), logs_key_statement(region, condition, sid)])
