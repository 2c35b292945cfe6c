"""IAM documents of the role Pulumi Deployments assumes: who may assume it, and what it may do.

Pure functions of names and ARNs, so the tests read exactly what the program creates.

What `pulumi up` of elite-locadora needs, and nothing wider:
- the AWS services the program manages (MANAGED_SERVICES), in the stack's regions only (`aws:RequestedRegion`;
  IAM, CloudFront and Route 53 are global and answer in us-east-1, which the settings require);
- IAM only on the stack's own roles (`role/elite-locadora-<env>-*`, every role the program names), attaching
  only the AWS managed policies the program attaches, passing those roles to services;
- the GitHub Actions OIDC provider (components/cicd.py) and the service-linked roles of the services it uses;
- never its own role or the Pulumi OIDC provider (explicit deny: a deployment cannot widen its own access);
- in prod, never the delete calls that lose data (explicit deny, the API-level twin of `protect`).
"""

from __future__ import annotations

import json

PULUMI_ISSUER = "api.pulumi.com/oidc"
GITHUB_ISSUER = "token.actions.githubusercontent.com"
# pulumi-aws module of each resource type the program uses → the IAM service prefixes managing it.
MANAGED_SERVICES: dict[str, tuple[str, ...]] = {
    "acm": ("acm",),
    "alb": ("elasticloadbalancing",),
    "appautoscaling": ("application-autoscaling",),
    "backup": ("backup", "backup-storage"),
    "cloudfront": ("cloudfront",),
    "cloudwatch": ("cloudwatch", "logs"),
    "ec2": ("ec2",),
    "ecr": ("ecr",),
    "ecs": ("ecs",),
    "elasticache": ("elasticache",),
    "kinesis": ("firehose",),
    "kms": ("kms",),
    "lb": ("elasticloadbalancing",),
    "opensearch": ("es",),
    "rds": ("rds",),
    "route53": ("route53",),
    "s3": ("s3",),
    "secretsmanager": ("secretsmanager",),
    "sns": ("sns",),
    "ssm": ("ssm",),
    "vpc": ("ec2",),
    "wafv2": ("wafv2",),
}
# AWS managed policies the program attaches (AWS Backup's service roles, RDS enhanced monitoring).
ATTACHABLE_MANAGED_POLICIES = (
    "policy/AWSBackupServiceRolePolicyForS3Backup",
    "policy/AWSBackupServiceRolePolicyForS3Restore",
    "policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "policy/service-role/AWSBackupServiceRolePolicyForRestores",
    "policy/service-role/AmazonRDSEnhancedMonitoringRole",
)
# Service-linked roles the managed services create on first use.
SERVICE_LINKED_ROLES = (
    "ecs.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
    "elasticache.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "opensearchservice.amazonaws.com",
    "rds.amazonaws.com",
    "replication.ecr.amazonaws.com",
)
ROLE_ACTIONS = (
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
    "iam:PassRole",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
OIDC_PROVIDER_ACTIONS = (
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:CreateOpenIDConnectProvider",
    "iam:DeleteOpenIDConnectProvider",
    "iam:GetOpenIDConnectProvider",
    "iam:RemoveClientIDFromOpenIDConnectProvider",
    "iam:TagOpenIDConnectProvider",
    "iam:UntagOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
)
# Deletes that lose data; prod denies them outright (a replacement of a protected resource never gets here).
STATEFUL_DELETES = (
    "backup:DeleteBackupVault",
    "backup:DeleteRecoveryPoint",
    "ecr:DeleteRepository",
    "elasticache:DeleteCacheCluster",
    "elasticache:DeleteReplicationGroup",
    "es:DeleteDomain",
    "kms:DisableKey",
    "kms:ScheduleKeyDeletion",
    "rds:DeleteDBCluster",
    "rds:DeleteDBInstance",
    "s3:DeleteBucket",
    "secretsmanager:DeleteSecret",
)


def _document(statements: list[dict]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def deployment_subjects(organization: str, project: str, stack: str, operations: list[str]) -> list[str]:
    """The `sub` of the OIDC token Pulumi Deployments presents for each operation on the stack."""
    return [
        f"pulumi:deploy:org:{organization}:project:{project}:stack:{stack}:operation:{op}:scope:write"
        for op in operations
    ]


def trust_policy(provider_arn: str, organization: str, subjects: list[str]) -> str:
    """Only Pulumi Cloud tokens for our organization (audience) and exactly these stack operations (subject)."""
    return _document(
        [
            {
                "Sid": "PulumiDeploymentsOidc",
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{PULUMI_ISSUER}:aud": organization,
                        f"{PULUMI_ISSUER}:sub": sorted(subjects),
                    }
                },
            }
        ]
    )


def permissions_policy(
    *,
    partition: str,
    account: str,
    name_prefix: str,
    role_name: str,
    regions: list[str],
    guard_stateful_deletes: bool,
) -> str:
    iam = f"arn:{partition}:iam::{account}"
    services = sorted({f"{prefix}:*" for prefixes in MANAGED_SERVICES.values() for prefix in prefixes})
    statements: list[dict] = [
        {
            "Sid": "ManagedServicesInTheStackRegions",
            "Effect": "Allow",
            "Action": services,
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": sorted(regions)}},
        },
        {
            "Sid": "StackRoles",
            "Effect": "Allow",
            "Action": list(ROLE_ACTIONS),
            "Resource": f"{iam}:role/{name_prefix}-*",
        },
        {
            "Sid": "AttachOnlyTheProgramsManagedPolicies",
            "Effect": "Allow",
            "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            "Resource": f"{iam}:role/{name_prefix}-*",
            "Condition": {
                "ArnEquals": {
                    "iam:PolicyARN": [f"arn:{partition}:iam::aws:{p}" for p in ATTACHABLE_MANAGED_POLICIES]
                }
            },
        },
        {
            "Sid": "GitHubActionsOidcProvider",
            "Effect": "Allow",
            "Action": list(OIDC_PROVIDER_ACTIONS),
            "Resource": f"{iam}:oidc-provider/{GITHUB_ISSUER}",
        },
        {
            "Sid": "ServiceLinkedRoles",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": f"{iam}:role/aws-service-role/*",
            "Condition": {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLES)}},
        },
        {
            "Sid": "NeverItsOwnAccess",
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": [f"{iam}:role/{role_name}", f"{iam}:oidc-provider/{PULUMI_ISSUER}"],
        },
    ]
    if guard_stateful_deletes:
        statements.append(
            {"Sid": "NeverLoseData", "Effect": "Deny", "Action": list(STATEFUL_DELETES), "Resource": "*"}
        )
    return _document(statements)
