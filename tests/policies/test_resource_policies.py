"""Each resource policy's verdicts, through the analyzer gRPC interface as the CLI calls it.

A case is a passing resource (a factory), then failing variants that change one thing and the key words the
message must contain, then variants where that thing is unknown at preview (never a violation)."""

from __future__ import annotations

import json

import pytest

from tests.policies.conftest import DELETE, changed, res
from tools.wire import UNKNOWN

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

RDS = {
    "engine": "mysql",
    "instanceClass": "db.r6g.xlarge",
    "multiAz": True,
    "storageEncrypted": True,
    "kmsKeyId": KEY,
    "backupRetentionPeriod": 30,
    "deletionProtection": True,
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "final",
    "publiclyAccessible": False,
    "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": KEY,
}
REPLICA = {
    "replicateSourceDb": "arn:aws:rds:us-east-1:123456789012:db:primary",
    "instanceClass": "db.r6g.large",
    "deletionProtection": True,
    "kmsKeyId": KEY,
    "storageEncrypted": True,
}
REDIS = {
    "atRestEncryptionEnabled": True,
    "transitEncryptionEnabled": True,
    "kmsKeyId": KEY,
    "automaticFailoverEnabled": True,
    "multiAzEnabled": True,
    "numCacheClusters": 3,
    "snapshotRetentionLimit": 7,
}
SEARCH = {
    "encryptAtRest": {"enabled": True, "kmsKeyId": KEY},
    "nodeToNodeEncryption": {"enabled": True},
    "clusterConfig": {"zoneAwarenessEnabled": True, "instanceCount": 3},
    "domainEndpointOptions": {"enforceHttps": True, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"},
}
LB = {
    "internal": False,
    "loadBalancerType": "application",
    "subnets": ["subnet-a", "subnet-b"],
    "enableDeletionProtection": True,
    "dropInvalidHeaderFields": True,
    "accessLogs": {"bucket": "logs", "enabled": True},
}
HTTPS = {"protocol": "HTTPS", "port": 443, "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}
HTTP = {
    "protocol": "HTTP",
    "port": 80,
    "defaultActions": [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ],
}
CDN = {
    "defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"},
    "orderedCacheBehaviors": [{"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only"}],
    "viewerCertificate": {
        "acmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x",
        "minimumProtocolVersion": "TLSv1.2_2021",
        "sslSupportMethod": "sni-only",
    },
    "origins": [
        {
            "originId": "api",
            "domainName": "api.example.com",
            "customOriginConfig": {
                "originProtocolPolicy": "https-only",
                "originSslProtocols": ["TLSv1.2"],
                "httpPort": 80,
                "httpsPort": 443,
            },
        }
    ],
}
CONTAINERS = [
    {
        "name": "api",
        "image": "x",
        "environment": [{"name": "APP_ENV", "value": "production"}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:x"}],
    }
]
TASK = {"family": "api", "containerDefinitions": json.dumps(CONTAINERS)}
NARROW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

# (policy, type, passing inputs, [(change, words)], [unknown change])
CASES = [
    (
        "rds-storage-encrypted",
        "aws:rds/instance:Instance",
        RDS,
        [
            ({"storageEncrypted": False}, ["storageEncrypted: true"]),
            ({"storageEncrypted": DELETE}, ["not encrypted"]),
        ],
        [{"storageEncrypted": UNKNOWN}],
    ),
    (
        "rds-storage-encrypted",
        "aws:rds/cluster:Cluster",
        {"engine": "aurora-mysql", "storageEncrypted": True},
        [({"storageEncrypted": False}, ["storageEncrypted"])],
        [],
    ),
    (
        "rds-storage-encrypted",
        "aws:rds/instance:Instance",
        REPLICA,
        [({"storageEncrypted": False, "kmsKeyId": DELETE}, ["not encrypted"])],
        [],
    ),
    (
        "rds-storage-customer-managed-key",
        "aws:rds/instance:Instance",
        RDS,
        [({"kmsKeyId": DELETE}, ["AWS-managed key", "kmsKeyId"])],
        [],
    ),
    (
        "rds-performance-insights-kms",
        "aws:rds/instance:Instance",
        RDS,
        [({"performanceInsightsKmsKeyId": DELETE}, ["performanceInsightsKmsKeyId"])],
        [],
    ),
    (
        "elasticache-encrypted",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        REDIS,
        [
            ({"atRestEncryptionEnabled": False}, ["atRestEncryptionEnabled"]),
            ({"transitEncryptionEnabled": False}, ["transitEncryptionEnabled"]),
            ({"kmsKeyId": DELETE}, ["AWS-managed key"]),
        ],
        [{"atRestEncryptionEnabled": UNKNOWN, "transitEncryptionEnabled": UNKNOWN}],
    ),
    (
        "ssm-secret-parameters-secure-string",
        "aws:ssm/parameter:Parameter",
        {"name": "/elite-locadora/prod/app/jwt-secret", "type": "SecureString", "keyId": KEY, "value": "x"},
        [({"type": "String"}, ["SecureString"]), ({"keyId": "alias/aws/ssm"}, ["AWS-managed key"])],
        [{"type": UNKNOWN}],
    ),
    (
        "ecr-repository-kms",
        "aws:ecr/repository:Repository",
        {"encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY}]},
        [({"encryptionConfigurations": [{"encryptionType": "AES256"}]}, ["encryptionType: KMS"])],
        [],
    ),
    (
        "sns-topic-customer-managed-key",
        "aws:sns/topic:Topic",
        {"kmsMasterKeyId": KEY},
        [
            ({"kmsMasterKeyId": "alias/aws/sns"}, ["customer-managed"]),
            ({"kmsMasterKeyId": DELETE}, ["kmsMasterKeyId"]),
        ],
        [{"kmsMasterKeyId": UNKNOWN}],
    ),
    (
        "log-group-customer-managed-key",
        "aws:cloudwatch/logGroup:LogGroup",
        {"kmsKeyId": KEY, "name": "/x"},
        [({"kmsKeyId": DELETE}, ["kmsKeyId"])],
        [{"kmsKeyId": UNKNOWN}],
    ),
    (
        "secret-customer-managed-key",
        "aws:secretsmanager/secret:Secret",
        {"kmsKeyId": KEY},
        [({"kmsKeyId": DELETE}, ["kmsKeyId"])],
        [],
    ),
    (
        "opensearch-encrypted",
        "aws:opensearch/domain:Domain",
        SEARCH,
        [
            ({"encryptAtRest.enabled": False}, ["encryptAtRest"]),
            ({"nodeToNodeEncryption.enabled": False}, ["nodeToNode"]),
        ],
        [],
    ),
    (
        "opensearch-encrypted",
        "aws:elasticsearch/domain:Domain",
        SEARCH,
        [({"encryptAtRest.enabled": False}, ["encryptAtRest"])],
        [],
    ),
    (
        "backup-vault-kms",
        "aws:backup/vault:Vault",
        {"kmsKeyArn": KEY},
        [({"kmsKeyArn": DELETE}, ["kmsKeyArn"])],
        [],
    ),
    (
        "kms-key-rotation",
        "aws:kms/key:Key",
        {"enableKeyRotation": True},
        [({"enableKeyRotation": False}, ["enableKeyRotation: true"])],
        [{"enableKeyRotation": UNKNOWN}],
    ),
    (
        "rds-instance-multi-az",
        "aws:rds/instance:Instance",
        RDS,
        [({"multiAz": False}, ["multiAz: true"]), ({"multiAz": DELETE}, ["single AZ"])],
        [{"multiAz": UNKNOWN}],
    ),
    ("rds-instance-multi-az", "aws:rds/instance:Instance", REPLICA, [], []),
    (
        "elasticache-automatic-failover",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        REDIS,
        [
            ({"automaticFailoverEnabled": False}, ["automaticFailoverEnabled"]),
            ({"multiAzEnabled": False}, ["multiAzEnabled"]),
            ({"numCacheClusters": 1}, ["at least 2"]),
        ],
        [{"numCacheClusters": UNKNOWN}],
    ),
    (
        "alb-multi-az",
        "aws:lb/loadBalancer:LoadBalancer",
        LB,
        [({"subnets": ["subnet-a"]}, ["at least 2 AZs"])],
        [{"subnets": UNKNOWN}],
    ),
    ("alb-multi-az", "aws:alb/loadBalancer:LoadBalancer", LB, [({"subnets": ["subnet-a"]}, ["2 AZs"])], []),
    (
        "ecs-service-min-tasks",
        "aws:ecs/service:Service",
        {"desiredCount": 2},
        [({"desiredCount": 1}, ["at least 2"])],
        [{"desiredCount": UNKNOWN}],
    ),
    (
        # A first deploy creates the services with no task before any image exists (docs/first-deploy.md).
        "ecs-service-min-tasks",
        "aws:ecs/service:Service",
        {"desiredCount": 0, "tags": {"Bootstrap": "true"}},
        [({"tags.Bootstrap": "false"}, ["runs 0 task(s)"]), ({"desiredCount": 1}, ["at least 2"])],
        [],
    ),
    (
        # A DR site's service before its failover (pilot light), and the old primary's after it (fenced): 0 tasks.
        "ecs-service-min-tasks",
        "aws:ecs/service:Service",
        {"desiredCount": 0, "tags": {"DrRole": "pilot-light"}},
        [
            ({"tags.DrRole": "standby"}, ["runs 0 task(s)"]),
            ({"tags.DrRole": "fenced", "desiredCount": 1}, ["at least 2"]),
        ],
        [{"tags.DrRole": UNKNOWN}, {"tags": UNKNOWN}],
    ),
    (
        "ecs-service-min-tasks",
        "aws:ecs/service:Service",
        {"desiredCount": 0, "tags": {"DrRole": "fenced"}},
        [({"tags.DrRole": "serving"}, ["runs 0 task(s)"])],
        [],
    ),
    (
        "opensearch-zone-awareness",
        "aws:opensearch/domain:Domain",
        SEARCH,
        [
            ({"clusterConfig.zoneAwarenessEnabled": False}, ["zoneAwarenessEnabled"]),
            ({"clusterConfig.instanceCount": 1}, ["instanceCount"]),
        ],
        [],
    ),
    (
        "lb-listener-tls12",
        "aws:lb/listener:Listener",
        HTTPS,
        [
            ({"sslPolicy": "ELBSecurityPolicy-2016-08"}, ["ELBSecurityPolicy-2016-08", "sslPolicy"]),
            ({"sslPolicy": DELETE}, ["default"]),
        ],
        [{"sslPolicy": UNKNOWN}],
    ),
    (
        "lb-listener-tls12",
        "aws:alb/listener:Listener",
        HTTPS,
        [({"sslPolicy": "ELBSecurityPolicy-TLS-1-1-2017-01"}, ["sslPolicy"])],
        [],
    ),
    (
        "lb-http-redirects-to-https",
        "aws:lb/listener:Listener",
        HTTP,
        [({"defaultActions": [{"type": "forward", "targetGroupArn": "tg"}]}, ["redirect to HTTPS"])],
        [{"defaultActions.0.type": UNKNOWN}],
    ),
    (
        "cloudfront-viewer-https",
        "aws:cloudfront/distribution:Distribution",
        CDN,
        [
            ({"defaultCacheBehavior.viewerProtocolPolicy": "allow-all"}, ["default", "redirect-to-https"]),
            ({"orderedCacheBehaviors.0.viewerProtocolPolicy": "allow-all"}, ["/api/*"]),
        ],
        [],
    ),
    (
        "cloudfront-tls12-minimum",
        "aws:cloudfront/distribution:Distribution",
        CDN,
        [
            ({"viewerCertificate.minimumProtocolVersion": "TLSv1"}, ["TLSv1.2_2021"]),
            (
                {"viewerCertificate": {"cloudfrontDefaultCertificate": True}},
                ["default *.cloudfront.net certificate"],
            ),
        ],
        [{"viewerCertificate": UNKNOWN}],
    ),
    (
        "cloudfront-origin-tls12",
        "aws:cloudfront/distribution:Distribution",
        CDN,
        [
            ({"origins.0.customOriginConfig.originProtocolPolicy": "match-viewer"}, ["https-only"]),
            (
                {"origins.0.customOriginConfig.originSslProtocols": ["TLSv1", "TLSv1.2"]},
                ["TLSv1", "[TLSv1.2]"],
            ),
        ],
        [],
    ),
    (
        "opensearch-https-tls12",
        "aws:opensearch/domain:Domain",
        SEARCH,
        [
            ({"domainEndpointOptions.enforceHttps": False}, ["enforceHttps"]),
            (
                {"domainEndpointOptions.tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"},
                ["Policy-Min-TLS-1-0"],
            ),
        ],
        [],
    ),
    (
        "mysql-require-secure-transport",
        "aws:rds/parameterGroup:ParameterGroup",
        {"family": "mysql8.0", "parameters": [{"name": "require_secure_transport", "value": "1"}]},
        [({"parameters": []}, ["require_secure_transport"])],
        [],
    ),
    (
        "rds-backup-retention",
        "aws:rds/instance:Instance",
        RDS,
        [({"backupRetentionPeriod": 3}, ["3 day(s)", "at least 7"])],
        [{"backupRetentionPeriod": UNKNOWN}],
    ),
    ("rds-backup-retention", "aws:rds/instance:Instance", REPLICA, [], []),
    (
        "rds-deletion-protection",
        "aws:rds/instance:Instance",
        RDS,
        [({"deletionProtection": False}, ["deletionProtection: true"])],
        [],
    ),
    (
        "rds-final-snapshot",
        "aws:rds/instance:Instance",
        RDS,
        [
            ({"skipFinalSnapshot": True}, ["skipFinalSnapshot: false"]),
            ({"finalSnapshotIdentifier": DELETE}, ["finalSnapshotIdentifier"]),
        ],
        [],
    ),
    (
        "elasticache-snapshot-retention",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        REDIS,
        [({"snapshotRetentionLimit": 0}, ["snapshotRetentionLimit"])],
        [],
    ),
    (
        "backup-plan-retention",
        "aws:backup/plan:Plan",
        {"rules": [{"ruleName": "daily", "lifecycle": {"deleteAfter": 30}}]},
        [({"rules.0.lifecycle.deleteAfter": 1}, ["daily", "deleteAfter"])],
        [{"rules.0.lifecycle.deleteAfter": UNKNOWN}],
    ),
    (
        "rds-not-publicly-accessible",
        "aws:rds/instance:Instance",
        RDS,
        [({"publiclyAccessible": True}, ["publiclyAccessible: false"])],
        [{"publiclyAccessible": UNKNOWN}],
    ),
    (
        "ecr-scan-on-push-immutable-tags",
        "aws:ecr/repository:Repository",
        {"imageScanningConfiguration": {"scanOnPush": True}, "imageTagMutability": "IMMUTABLE"},
        [
            ({"imageScanningConfiguration.scanOnPush": False}, ["scanOnPush"]),
            ({"imageTagMutability": "MUTABLE"}, ["IMMUTABLE"]),
        ],
        [],
    ),
    (
        "ecs-no-public-ip",
        "aws:ecs/service:Service",
        {"networkConfiguration": {"assignPublicIp": False, "subnets": []}},
        [({"networkConfiguration.assignPublicIp": True}, ["assignPublicIp: false"])],
        [],
    ),
    (
        "ecs-no-privileged-containers",
        "aws:ecs/taskDefinition:TaskDefinition",
        TASK,
        [({"containerDefinitions": json.dumps([{**CONTAINERS[0], "privileged": True}])}, ["privileged"])],
        [{"containerDefinitions": UNKNOWN}],
    ),
    (
        "ecs-no-secrets-in-environment",
        "aws:ecs/taskDefinition:TaskDefinition",
        TASK,
        [
            (
                {
                    "containerDefinitions": json.dumps(
                        [{**CONTAINERS[0], "environment": [{"name": "DB_PASSWORD", "value": "x"}]}]
                    )
                },
                ["DB_PASSWORD", "valueFrom"],
            )
        ],
        [{"containerDefinitions": UNKNOWN}],
    ),
    (
        "iam-no-admin-statements",
        "aws:iam/policy:Policy",
        {"policy": json.dumps(NARROW)},
        [({"policy": json.dumps(ADMIN)}, ['Action "*"'])],
        [{"policy": UNKNOWN}],
    ),
    (
        "iam-no-admin-statements",
        "aws:iam/role:Role",
        {"assumeRolePolicy": "{}", "inlinePolicies": [{"name": "p", "policy": json.dumps(NARROW)}]},
        [({"inlinePolicies.0.policy": json.dumps(ADMIN)}, ["full admin"])],
        [],
    ),
    (
        "lb-deletion-protection",
        "aws:lb/loadBalancer:LoadBalancer",
        LB,
        [({"enableDeletionProtection": False}, ["enableDeletionProtection"])],
        [],
    ),
    (
        "lb-access-logs",
        "aws:lb/loadBalancer:LoadBalancer",
        LB,
        [({"accessLogs": DELETE}, ["accessLogs"]), ({"accessLogs.enabled": False}, ["access logs"])],
        [],
    ),
    (
        "lb-drop-invalid-headers",
        "aws:lb/loadBalancer:LoadBalancer",
        LB,
        [({"dropInvalidHeaderFields": False}, ["dropInvalidHeaderFields"])],
        [],
    ),
]


def verdicts(pack, policy: str, type_: str, inputs: dict, **kw) -> list:
    return [v for v in pack.analyze(res(type_, inputs, **kw)) if v.policy == policy]


@pytest.mark.parametrize(
    "policy,type_,good,bad,unknown", CASES, ids=[f"{c[0]}:{c[1].split(':')[-1]}" for c in CASES]
)
def test_policy_verdicts(pack, policy, type_, good, bad, unknown) -> None:
    assert verdicts(pack, policy, type_, good) == [], f"{policy}: the passing {type_} was flagged"
    for change, words in bad:
        found = verdicts(pack, policy, type_, changed(good, change))
        assert len(found) >= 1, f"{policy}: {change} on {type_} was not flagged"
        text = " ".join(v.message for v in found)
        for word in words:
            assert word in text, f"{policy}: expected {word!r} in {text!r}"
        assert "subject" in text, f"{policy}: the message names the resource"
    for change in unknown:
        assert verdicts(pack, policy, type_, changed(good, change)) == [], (
            f"{policy}: unknown {change} was flagged"
        )


def test_every_policy_has_a_case(pack) -> None:
    from tests.policies.test_adversarial import CASES as CORPUS

    stack_policies = {p.name for p in pack.policies if p.policy_type == "stack"}
    covered = (
        {c[0] for c in CASES} | {c.policy for c in CORPUS} | {"stateful-resources-protected", "required-tags"}
    )
    missing = {p.name for p in pack.policies} - covered - stack_policies
    assert not missing, f"resource policies without verdict cases: {sorted(missing)}"


def test_protect_is_required_for_stateful_resources(pack) -> None:
    for type_ in (
        "aws:rds/instance:Instance",
        "aws:s3/bucket:Bucket",
        "aws:kms/key:Key",
        "aws:ecr/repository:Repository",
    ):
        assert not verdicts(pack, "stateful-resources-protected", type_, {}, protect=True), type_
        [v] = verdicts(pack, "stateful-resources-protected", type_, {}, protect=False)
        assert "protect=True" in v.message
    assert not verdicts(pack, "stateful-resources-protected", "aws:ec2/subnet:Subnet", {}, protect=False)


def test_required_tags_come_from_the_provider_or_the_resource(pack) -> None:
    bare = {"type": "pulumi:providers:aws", "urn": "urn:p", "name": "p", "inputs": {"region": "us-east-1"}}
    assert not verdicts(pack, "required-tags", "aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"})
    [v] = verdicts(pack, "required-tags", "aws:ec2/vpc:Vpc", {"tags": {"Project": "x"}}, provider=bare)
    assert "Environment, ManagedBy" in v.message and "defaultTags" in v.message
    tags = {"Project": "x", "Environment": "prod", "ManagedBy": "Pulumi"}
    assert not verdicts(pack, "required-tags", "aws:ec2/vpc:Vpc", {"tags": tags}, provider=bare)
    assert not verdicts(pack, "required-tags", "aws:ec2/route:Route", {}, provider=bare), (
        "routes cannot be tagged"
    )


def test_every_policy_carries_metadata(pack) -> None:
    for p in pack.policies:
        assert p.description.startswith("Checks that"), p.name
        assert p.severity in ("low", "medium", "high", "critical"), p.name
        assert p.remediation_steps, f"{p.name}: no remediation steps"
        if p.framework["reference"]:
            assert p.framework["name"] == "AWS Foundational Security Best Practices", p.name
            assert p.url.startswith("https://docs.aws.amazon.com/securityhub/"), p.name
            assert p.framework["reference"] in p.description, f"{p.name}: description names its control"
