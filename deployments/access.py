"""IAM documents of the role Pulumi Deployments assumes: who may assume it, and what it may do; and the permissions
boundary every role the stack creates must carry.

Pure functions of names and ARNs, so the tests read exactly what the program creates.

What `pulumi up` of elite-locadora needs, and nothing wider:
- the AWS services of every resource type the program manages (RESOURCE_SERVICES, by type token), in the stack's
  regions only (`aws:RequestedRegion`; IAM, CloudFront and Route 53 are global and answer in us-east-1, which the
  settings require);
- IAM only on the stack's own roles (`role/elite-locadora-<env>-*`): creating one or changing its policies only
  with the stack's workload boundary attached (`iam:PermissionsBoundary`), attaching only the AWS managed policies
  the program attaches, passing them only to the services they serve (`iam:PassedToService`);
- the GitHub Actions OIDC provider (components/cicd.py) and the service-linked roles of the services it uses;
- never its own role, the Pulumi OIDC provider or the boundary (explicit deny: a deployment cannot widen its own
  access, and no role it creates can exceed the boundary);
- in prod, never the calls that lose what the stack holds (DATA_LOSS, explicit deny, the API-level twin of
  `protect`).
"""

from __future__ import annotations

import json

PULUMI_ISSUER = "api.pulumi.com/oidc"
GITHUB_ISSUER = "token.actions.githubusercontent.com"
# Every AWS resource type elite-locadora manages (or is about to: DNSSEC, query logs, rotation) → the IAM service
# prefixes its create, read (refresh), update and delete call. Keyed by type token, not by pulumi-aws module: the
# `cloudwatch` module holds CloudWatch (`cloudwatch:`), CloudWatch Logs (`logs:`) and EventBridge (`events:`) types.
# tests/delivery/test_deployments.py fails when the render holds a type missing here.
RESOURCE_SERVICES: dict[str, tuple[str, ...]] = {
    "aws:acm/certificate:Certificate": ("acm",),
    "aws:acm/certificateValidation:CertificateValidation": ("acm",),
    # Target tracking creates and deletes its own CloudWatch alarms with the caller's credentials.
    "aws:appautoscaling/policy:Policy": ("application-autoscaling", "cloudwatch"),
    "aws:appautoscaling/target:Target": ("application-autoscaling",),
    "aws:backup/plan:Plan": ("backup",),
    "aws:backup/selection:Selection": ("backup",),
    "aws:backup/vault:Vault": ("backup", "backup-storage", "kms"),
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": ("backup",),
    "aws:backup/vaultNotifications:VaultNotifications": ("backup", "sns"),
    "aws:cloudfront/distribution:Distribution": ("cloudfront", "wafv2", "acm"),
    "aws:cloudfront/function:Function": ("cloudfront",),
    "aws:cloudfront/originAccessControl:OriginAccessControl": ("cloudfront",),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": ("cloudfront",),
    "aws:cloudfront/cachePolicy:CachePolicy": ("cloudfront",),
    "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": ("cloudfront",),
    "aws:cloudwatch/dashboard:Dashboard": ("cloudwatch",),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("cloudwatch",),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": ("cloudwatch",),
    "aws:cloudwatch/eventRule:EventRule": ("events",),
    "aws:cloudwatch/eventTarget:EventTarget": ("events",),
    "aws:cloudwatch/logGroup:LogGroup": ("logs",),
    "aws:cloudwatch/logStream:LogStream": ("logs",),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": ("logs",),
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": ("logs",),
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": ("logs",),
    # CloudFront standard logging v2: the source is the distribution (cloudfront:AllowVendedLogDeliveryForResource).
    "aws:cloudwatch/logDelivery:LogDelivery": ("logs",),
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": ("logs",),
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": ("logs", "cloudfront"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ("ec2",),
    "aws:ec2/eip:Eip": ("ec2",),
    "aws:ec2/flowLog:FlowLog": ("ec2", "logs"),
    "aws:ec2/internetGateway:InternetGateway": ("ec2",),
    "aws:ec2/natGateway:NatGateway": ("ec2",),
    "aws:ec2/route:Route": ("ec2",),
    "aws:ec2/routeTable:RouteTable": ("ec2",),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("ec2",),
    "aws:ec2/securityGroup:SecurityGroup": ("ec2",),
    "aws:ec2/subnet:Subnet": ("ec2",),
    "aws:ec2/vpc:Vpc": ("ec2",),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("ec2", "route53"),
    "aws:ec2/vpnGateway:VpnGateway": ("ec2",),
    "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation": ("ec2",),
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": ("ec2",),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ("ecr",),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": ("ecr",),
    "aws:ecr/repository:Repository": ("ecr", "kms"),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": ("ecr",),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ("ecr",),
    "aws:ecs/cluster:Cluster": ("ecs",),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": ("ecs",),
    "aws:ecs/service:Service": ("ecs", "elasticloadbalancing"),
    "aws:ecs/taskDefinition:TaskDefinition": ("ecs",),
    "aws:elasticache/parameterGroup:ParameterGroup": ("elasticache",),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("elasticache", "logs", "kms"),
    "aws:elasticache/subnetGroup:SubnetGroup": ("elasticache",),
    "aws:elasticache/user:User": ("elasticache",),
    "aws:elasticache/userGroup:UserGroup": ("elasticache",),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": ("firehose", "ec2", "kms"),
    "aws:kms/alias:Alias": ("kms",),
    "aws:kms/key:Key": ("kms",),
    "aws:kms/keyPolicy:KeyPolicy": ("kms",),
    "aws:kms/replicaKey:ReplicaKey": ("kms",),
    "aws:lambda/function:Function": ("lambda", "ec2", "logs"),
    "aws:lambda/invocation:Invocation": ("lambda",),
    "aws:lambda/permission:Permission": ("lambda",),
    "aws:lb/listener:Listener": ("elasticloadbalancing", "acm"),
    "aws:lb/listenerCertificate:ListenerCertificate": ("elasticloadbalancing", "acm"),
    "aws:lb/listenerRule:ListenerRule": ("elasticloadbalancing",),
    "aws:lb/loadBalancer:LoadBalancer": ("elasticloadbalancing", "ec2", "s3"),
    "aws:lb/targetGroup:TargetGroup": ("elasticloadbalancing",),
    "aws:opensearch/domain:Domain": ("es", "ec2", "kms", "logs"),
    "aws:opensearch/domainPolicy:DomainPolicy": ("es",),
    "aws:rds/instance:Instance": ("rds", "kms", "secretsmanager", "logs"),
    # Replication of automated backups: RDS uses the destination region's key on the caller's behalf.
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": ("rds", "kms"),
    "aws:rds/parameterGroup:ParameterGroup": ("rds",),
    "aws:rds/subnetGroup:SubnetGroup": ("rds",),
    "aws:route53/hostedZoneDnsSec:HostedZoneDnsSec": ("route53",),
    "aws:route53/keySigningKey:KeySigningKey": ("route53", "kms"),
    "aws:route53/queryLog:QueryLog": ("route53", "logs"),
    "aws:route53/record:Record": ("route53",),
    # A CLOUDWATCH_METRIC health check: Route 53 checks the alarm exists with the caller's cloudwatch:DescribeAlarms.
    "aws:route53/healthCheck:HealthCheck": ("route53", "cloudwatch"),
    "aws:route53/zone:Zone": ("route53",),
    "aws:s3/bucket:Bucket": ("s3",),
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": ("s3",),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("s3",),
    "aws:s3/bucketLogging:BucketLogging": ("s3",),
    "aws:s3/bucketNotification:BucketNotification": ("s3",),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ("s3",),
    "aws:s3/bucketPolicy:BucketPolicy": ("s3",),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ("s3",),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": ("s3",),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ("s3",),
    "aws:s3/bucketVersioning:BucketVersioning": ("s3",),
    "aws:secretsmanager/secret:Secret": ("secretsmanager", "kms"),
    "aws:secretsmanager/secretPolicy:SecretPolicy": ("secretsmanager",),
    "aws:secretsmanager/secretRotation:SecretRotation": ("secretsmanager", "lambda"),
    "aws:secretsmanager/secretVersion:SecretVersion": ("secretsmanager", "kms"),
    # The roll after a database user rotation (components/db_access.py).
    "aws:sfn/stateMachine:StateMachine": ("states",),
    "aws:sns/topic:Topic": ("sns", "kms"),
    "aws:sns/topicPolicy:TopicPolicy": ("sns",),
    "aws:sns/topicSubscription:TopicSubscription": ("sns",),
    "aws:sqs/queue:Queue": ("sqs", "kms"),
    "aws:ssm/parameter:Parameter": ("ssm", "kms"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("ec2",),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("ec2",),
    "aws:wafv2/ipSet:IpSet": ("wafv2",),
    "aws:wafv2/webAcl:WebAcl": ("wafv2",),
    "aws:wafv2/webAclAssociation:WebAclAssociation": ("wafv2", "elasticloadbalancing"),
    # WAF delivers to CloudWatch Logs through a log delivery and a resource policy on the group.
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": ("wafv2", "logs"),
}
# IAM types: not granted by service prefix but by the StackRoles… statements below, scoped to the stack's names.
IAM_RESOURCE_TYPES = frozenset(
    {
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    }
)
# The service prefixes the Deployments role manages in the stack's regions (derived: one list to keep current).
MANAGED_PREFIXES: tuple[str, ...] = tuple(sorted({p for ps in RESOURCE_SERVICES.values() for p in ps}))
# Services the stack's roles call but the stack does not manage: ECS Exec's data channel (the API task role, where
# `compute.<service>.enableExecuteCommand` is on). The boundary allows them; the Deployments role needs none.
WORKLOAD_ONLY_PREFIXES: tuple[str, ...] = ("ssmmessages",)
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
# Services the stack's roles are handed to (iam:PassedToService): the service principals their trust policies name,
# CloudWatch Logs both global and regional (subscription filters' roles trust logs.<region>.amazonaws.com).
PASSED_TO_SERVICES = (
    "backup.amazonaws.com",
    "ecr.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "events.amazonaws.com",
    "firehose.amazonaws.com",
    "lambda.amazonaws.com",
    "logs.amazonaws.com",
    "monitoring.rds.amazonaws.com",
    "s3.amazonaws.com",
    "states.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
)
# Role actions that need no boundary condition: reading, tagging, deleting, editing trust and description.
ROLE_ACTIONS = (
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
# Actions that create a role or change what it may do: allowed only when the role carries the stack's workload
# boundary (the `iam:PermissionsBoundary` condition key; IAM user guide, "Permissions boundaries for IAM entities").
BOUNDED_ROLE_ACTIONS = (
    "iam:CreateRole",
    "iam:DeleteRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
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
# What the stack holds that can lose data, by resource type → the calls that destroy it. Prod denies them all
# (the API-level twin of `protect`); tests/delivery/test_deployments.py fails when prod's render protects a type
# missing here. Calls that also create or update these resources (PutLifecycleConfiguration, ModifyDBInstance,
# PutKeyPolicy, PutRetentionPolicy, UpdateBackupPlan…) cannot be denied without breaking every deploy: they are
# listed in GUARDED_UPDATES with what keeps them from losing data.
DATA_LOSS: dict[str, tuple[str, ...]] = {
    "aws:backup/plan:Plan": ("backup:DeleteBackupPlan",),
    "aws:backup/vault:Vault": (
        "backup:DeleteBackupVault",
        "backup:DeleteBackupVaultLockConfiguration",
        "backup:DeleteRecoveryPoint",
        "backup:DisassociateRecoveryPoint",
        "backup:UpdateRecoveryPointLifecycle",
    ),
    "aws:cloudwatch/logGroup:LogGroup": ("logs:DeleteLogGroup", "logs:DeleteLogStream"),
    "aws:ecr/repository:Repository": ("ecr:BatchDeleteImage", "ecr:DeleteRepository"),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "elasticache:DeleteCacheCluster",
        "elasticache:DeleteReplicationGroup",
        "elasticache:DeleteSnapshot",
    ),
    "aws:kms/key:Key": ("kms:DisableKey", "kms:ScheduleKeyDeletion"),
    "aws:opensearch/domain:Domain": ("es:DeleteDomain", "es:DeleteElasticsearchDomain"),
    "aws:rds/instance:Instance": (
        "rds:DeleteDBInstance",
        "rds:DeleteDBInstanceAutomatedBackup",
        "rds:DeleteDBSnapshot",
    ),
    # Stopping the replication deletes the replicated backups in the DR region (the point-in-time restore there).
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (
        "rds:StopDBInstanceAutomatedBackupsReplication",
    ),
    "aws:route53/zone:Zone": ("route53:DeleteHostedZone",),
    "aws:s3/bucket:Bucket": ("s3:DeleteBucket", "s3:DeleteObjectVersion"),
    "aws:secretsmanager/secret:Secret": (
        "secretsmanager:DeleteSecret",
        "secretsmanager:RemoveRegionsFromReplication",
    ),
    "aws:ssm/parameter:Parameter": ("ssm:DeleteParameter", "ssm:DeleteParameters"),
    # Queued jobs (payments, mail): deleting or purging the queue loses them.
    "aws:sqs/queue:Queue": ("sqs:DeleteQueue", "sqs:PurgeQueue"),
    # A version is lost when its staging labels are removed (that is how a version resource is deleted); the
    # rotation functions move labels with their own roles, never this one.
    "aws:secretsmanager/secretVersion:SecretVersion": ("secretsmanager:UpdateSecretVersionStage",),
}
# Data-losing changes the deploys themselves need, and what stops them from losing data instead of a deny.
GUARDED_UPDATES: dict[str, str] = {
    "kms:PutKeyPolicy": "denied when it bypasses the policy lockout safety check (NoKeyPolicyLockout below)",
    "s3:PutLifecycleConfiguration": "the pack's storage policies check every lifecycle rule before each deployment",
    "rds:ModifyDBInstance": "the pack's rds-backup-retention policy (prod: 30 days) gates every deployment; "
    "RDS has no condition key on the retention period",
    "logs:PutRetentionPolicy": "the pack's log retention policies gate every deployment",
    "backup:UpdateBackupPlan": "the pack's backup policies gate every deployment; the vault lock keeps recovery "
    "points for the locked minimum whatever the plan says",
    "ecr:PutLifecyclePolicy": "the compute tier never expires an image a stack runs (#14 item 14)",
}


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


def boundary_name(name_prefix: str) -> str:
    """The workload boundary's policy name; the main program derives the same ARN (components/boundary.py)."""
    return f"{name_prefix}-workload-boundary"


def workload_boundary(*, partition: str, account: str, name_prefix: str, regions: list[str]) -> str:
    """The permissions boundary every role of the stack carries: at most the services the stack manages, in its
    regions, and no IAM at all but handing the stack's own roles to those services. A role a deployment creates
    (an ECS task role with AdministratorAccess attached, say) can therefore never do more than the Deployments
    role, nor create or widen a role: the boundary caps it whatever its policies say."""
    iam = f"arn:{partition}:iam::{account}"
    return _document(
        [
            {
                "Sid": "ServicesTheStackUses",
                "Effect": "Allow",
                "Action": sorted({f"{prefix}:*" for prefix in MANAGED_PREFIXES + WORKLOAD_ONLY_PREFIXES}),
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": sorted(regions)}},
            },
            {
                # AWS Backup selects resources by tag (tag:GetResources) for the plans' selections.
                "Sid": "FindResourcesByTag",
                "Effect": "Allow",
                "Action": "tag:GetResources",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": sorted(regions)}},
            },
            {
                "Sid": "PassOnlyTheStacksRoles",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": f"{iam}:role/{name_prefix}-*",
                "Condition": {"StringEquals": {"iam:PassedToService": list(PASSED_TO_SERVICES)}},
            },
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
    boundary_prefix: str | None = None,
) -> str:
    """`boundary_prefix`: whose workload boundary the roles must carry, when not name_prefix's (review stacks
    share the review template's: day_two.py)."""
    iam = f"arn:{partition}:iam::{account}"
    stack_roles = f"{iam}:role/{name_prefix}-*"
    boundary = f"{iam}:policy/{boundary_name(boundary_prefix or name_prefix)}"
    with_boundary = {"StringEquals": {"iam:PermissionsBoundary": boundary}}
    statements: list[dict] = [
        {
            "Sid": "ManagedServicesInTheStackRegions",
            "Effect": "Allow",
            "Action": sorted({f"{prefix}:*" for prefix in MANAGED_PREFIXES}),
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": sorted(regions)}},
        },
        {"Sid": "StackRoles", "Effect": "Allow", "Action": list(ROLE_ACTIONS), "Resource": stack_roles},
        {
            "Sid": "StackRolesOnlyWithTheBoundary",
            "Effect": "Allow",
            "Action": list(BOUNDED_ROLE_ACTIONS),
            "Resource": stack_roles,
            "Condition": with_boundary,
        },
        {
            "Sid": "AttachOnlyTheProgramsManagedPolicies",
            "Effect": "Allow",
            "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            "Resource": stack_roles,
            "Condition": {
                **with_boundary,
                "ArnEquals": {
                    "iam:PolicyARN": [f"arn:{partition}:iam::aws:{p}" for p in ATTACHABLE_MANAGED_POLICIES]
                },
            },
        },
        {
            "Sid": "PassStackRolesToTheirServices",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": stack_roles,
            "Condition": {"StringEquals": {"iam:PassedToService": list(PASSED_TO_SERVICES)}},
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
            "Resource": [f"{iam}:role/{role_name}", f"{iam}:oidc-provider/{PULUMI_ISSUER}", boundary],
        },
        {
            # A role of the stack keeps its boundary: removing it is never part of a deployment.
            "Sid": "NeverDropABoundary",
            "Effect": "Deny",
            "Action": "iam:DeleteRolePermissionsBoundary",
            "Resource": "*",
        },
    ]
    if guard_stateful_deletes:
        statements += [
            {
                "Sid": "NeverLoseData",
                "Effect": "Deny",
                "Action": sorted({a for actions in DATA_LOSS.values() for a in actions}),
                "Resource": "*",
            },
            {
                # A key policy that skips the lockout check can leave nobody able to decrypt (KMS developer
                # guide, "Default key policy"; condition key kms:BypassPolicyLockoutSafetyCheck).
                "Sid": "NoKeyPolicyLockout",
                "Effect": "Deny",
                "Action": ["kms:CreateKey", "kms:PutKeyPolicy"],
                "Resource": "*",
                "Condition": {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "true"}},
            },
        ]
    return _document(statements)
