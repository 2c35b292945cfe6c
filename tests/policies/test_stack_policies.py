"""Stack policies relate resources to each other (a bucket and its settings resources, a rule and the load
balancer using its group); each is judged through AnalyzeStack, as the CLI calls it once per preview."""

from __future__ import annotations

import json

import pytest

from tests.policies.conftest import changed, res
from tools.analyzer import PolicyPackSession
from tools.wire import UNKNOWN

B = "assets-bucket"
TLS_DENY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyInsecureConnections",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{B}", f"arn:aws:s3:::{B}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}


def bucket_stack(**overrides):
    """A bucket with every setting right; overrides replace a settings resource's inputs (None drops it)."""
    parts = {
        "bucket": ("aws:s3/bucket:Bucket", {"bucket": B, "arn": f"arn:aws:s3:::{B}"}),
        "sse": (
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            {
                "bucket": B,
                "rules": [
                    {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "k"}}
                ],
            },
        ),
        "versioning": (
            "aws:s3/bucketVersioning:BucketVersioning",
            {"bucket": B, "versioningConfiguration": {"status": "Enabled"}},
        ),
        "pab": (
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            {
                "bucket": B,
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
        ),
        "policy": ("aws:s3/bucketPolicy:BucketPolicy", {"bucket": B, "policy": json.dumps(TLS_DENY)}),
    }
    out = []
    for key, (type_, inputs) in parts.items():
        if key in overrides:
            if overrides[key] is None:
                continue
            inputs = changed(inputs, overrides[key])
        out.append(res(type_, inputs, name=f"assets-{key}"))
    return out


def stack_verdicts(pack, policy, resources):
    return [v for v in pack.analyze_stack(resources) if v.policy == policy]


BUCKET_CASES = [
    (
        "s3-bucket-kms-encryption",
        "sse",
        {"rules.0.applyServerSideEncryptionByDefault.sseAlgorithm": "AES256"},
        ["AES256", "aws:kms"],
    ),
    ("s3-bucket-kms-encryption", "sse", None, ["no default encryption configuration"]),
    ("s3-bucket-versioning", "versioning", {"versioningConfiguration.status": "Suspended"}, ["Enabled"]),
    ("s3-bucket-versioning", "versioning", None, ["versioning is off"]),
    ("s3-bucket-public-access-block", "pab", {"restrictPublicBuckets": False}, ["restrictPublicBuckets"]),
    ("s3-bucket-public-access-block", "pab", None, ["no public access block"]),
    (
        "s3-bucket-denies-insecure-transport",
        "policy",
        {"policy": json.dumps({"Version": "2012-10-17", "Statement": []})},
        ["aws:SecureTransport"],
    ),
    ("s3-bucket-denies-insecure-transport", "policy", None, ["without TLS"]),
]


@pytest.mark.parametrize(
    "policy,part,change,words",
    BUCKET_CASES,
    ids=[f"{c[0]}-{c[1]}-{'drop' if c[2] is None else 'bad'}" for c in BUCKET_CASES],
)
def test_bucket_policies(pack, policy, part, change, words) -> None:
    assert stack_verdicts(pack, policy, bucket_stack()) == [], f"{policy}: the good bucket was flagged"
    [v] = stack_verdicts(pack, policy, bucket_stack(**{part: change}))
    assert v.urn.endswith("::assets-bucket"), f"{policy}: the verdict names the bucket, not {v.urn}"
    for word in words:
        assert word in v.message, f"{policy}: expected {word!r} in {v.message!r}"


@pytest.mark.parametrize(
    "policy,part",
    [
        ("s3-bucket-kms-encryption", "sse"),
        ("s3-bucket-versioning", "versioning"),
        ("s3-bucket-public-access-block", "pab"),
        ("s3-bucket-denies-insecure-transport", "policy"),
    ],
)
def test_bucket_policies_do_not_judge_what_they_cannot_relate(pack, policy, part) -> None:
    """A settings resource whose bucket is unknown at preview might be this bucket's: no verdict."""
    assert stack_verdicts(pack, policy, bucket_stack(**{part: {"bucket": UNKNOWN}})) == []


def test_bucket_settings_are_related_by_property_dependency_too(pack) -> None:
    resources = bucket_stack(versioning={"bucket": UNKNOWN})
    bucket = resources[0]
    for r in resources[1:]:
        r.property_dependencies = {"bucket": [bucket.urn]}
    assert stack_verdicts(pack, "s3-bucket-versioning", resources) == []


def test_sse_s3_is_allowed_only_for_configured_buckets() -> None:
    stack = bucket_stack(sse={"rules.0.applyServerSideEncryptionByDefault.sseAlgorithm": "AES256"})
    config = {"all": "mandatory", "s3-bucket-kms-encryption": {"sseS3AllowedBuckets": ["assets-*"]}}
    with PolicyPackSession("policies", config=config) as pack:
        assert stack_verdicts(pack, "s3-bucket-kms-encryption", stack) == []


def network_stack(azs=("us-east-1a", "us-east-1b"), world_port=443, alb_groups=("sg-alb",), extra=()):
    out = [res("aws:ec2/vpc:Vpc", {"id": "vpc-1", "cidrBlock": "10.0.0.0/16"}, name="vpc")]
    out += [
        res(
            "aws:ec2/subnet:Subnet",
            {"vpcId": "vpc-1", "availabilityZone": az, "cidrBlock": f"10.0.{i}.0/24"},
            name=f"subnet-{i}",
        )
        for i, az in enumerate(azs)
    ]
    out.append(
        res(
            "aws:lb/loadBalancer:LoadBalancer",
            {
                "internal": False,
                "loadBalancerType": "application",
                "securityGroups": list(alb_groups),
                "arn": "arn:lb",
            },
            name="alb",
        )
    )
    out.append(
        res(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            {
                "securityGroupId": "sg-alb",
                "cidrIpv4": "0.0.0.0/0",
                "fromPort": world_port,
                "toPort": world_port,
                "ipProtocol": "tcp",
            },
            name="alb-in",
        )
    )
    out.append(
        res(
            "aws:wafv2/webAclAssociation:WebAclAssociation",
            {"resourceArn": "arn:lb", "webAclArn": "arn:acl"},
            name="waf",
        )
    )
    return out + list(extra)


def test_vpc_subnets_span_azs(pack) -> None:
    assert stack_verdicts(pack, "vpc-subnets-span-azs", network_stack()) == []
    [v] = stack_verdicts(pack, "vpc-subnets-span-azs", network_stack(azs=("us-east-1a", "us-east-1a")))
    assert v.urn.endswith("::vpc") and "1 AZ(s)" in v.message and "at least 2" in v.message
    assert stack_verdicts(pack, "vpc-subnets-span-azs", network_stack(azs=("us-east-1a", UNKNOWN))) == []


def test_only_load_balancers_take_80_and_443_from_the_internet(pack) -> None:
    policy = "security-group-no-public-ingress"
    assert stack_verdicts(pack, policy, network_stack()) == []
    [v] = stack_verdicts(pack, policy, network_stack(world_port=22))
    assert v.urn.endswith("::alb-in") and "port 22" in v.message
    [v] = stack_verdicts(pack, policy, network_stack(alb_groups=("sg-other",)))
    assert "no internet-facing load balancer uses" in v.message
    inline = res(
        "aws:ec2/securityGroup:SecurityGroup",
        {
            "id": "sg-db",
            "ingress": [{"protocol": "tcp", "fromPort": 3306, "toPort": 3306, "cidrBlocks": ["0.0.0.0/0"]}],
        },
        name="db",
    )
    legacy = res(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        {
            "type": "ingress",
            "securityGroupId": "sg-x",
            "protocol": "-1",
            "fromPort": 0,
            "toPort": 0,
            "ipv6CidrBlocks": ["::/0"],
        },
        name="legacy",
    )
    found = {
        v.urn.rsplit("::", 1)[-1]: v.message
        for v in stack_verdicts(pack, policy, network_stack(extra=[inline, legacy]))
    }
    assert "port 3306" in found["db"] and "all ports" in found["legacy"]
    assert stack_verdicts(pack, policy, network_stack(alb_groups=(UNKNOWN,))) == []


def test_waf_on_every_public_alb_and_distribution(pack) -> None:
    policy = "waf-on-public-endpoints"
    assert stack_verdicts(pack, policy, network_stack()) == []
    no_waf = [r for r in network_stack() if r.name != "waf"]
    [v] = stack_verdicts(pack, policy, no_waf)
    assert v.urn.endswith("::alb") and "WebAclAssociation" in v.message
    cdn = res("aws:cloudfront/distribution:Distribution", {"webAclId": ""}, name="cdn")
    [v] = stack_verdicts(pack, policy, network_stack(extra=[cdn]))
    assert v.urn.endswith("::cdn") and "webAclId" in v.message
    cdn_ok = res(
        "aws:cloudfront/distribution:Distribution",
        {"webAclId": "arn:aws:wafv2:us-east-1:1:global/webacl/x/y"},
        name="cdn",
    )
    assert stack_verdicts(pack, policy, network_stack(extra=[cdn_ok])) == []
    internal = [r for r in no_waf]
    internal[-2] = res("aws:lb/loadBalancer:LoadBalancer", {"internal": True, "arn": "arn:lb"}, name="alb")
    assert stack_verdicts(pack, policy, internal) == []


def test_security_group_rules_live_in_one_place(pack) -> None:
    policy = "security-group-rules-in-one-place"
    inline = res(
        "aws:ec2/securityGroup:SecurityGroup",
        {
            "id": "sg-1",
            "ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "securityGroups": ["sg-2"]}],
        },
        name="mixed",
    )
    rule = res(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        {
            "securityGroupId": "sg-1",
            "fromPort": 80,
            "toPort": 80,
            "ipProtocol": "tcp",
            "referencedSecurityGroupId": "sg-2",
        },
        name="rule",
    )
    assert stack_verdicts(pack, policy, [inline]) == []
    assert (
        stack_verdicts(pack, policy, [res("aws:ec2/securityGroup:SecurityGroup", {"id": "sg-1"}), rule]) == []
    )
    [v] = stack_verdicts(pack, policy, [inline, rule])
    assert v.urn.endswith("::mixed") and "overwrite each other" in v.message


def test_role_policies_live_in_one_place(pack) -> None:
    policy = "iam-role-policies-in-one-place"
    role = res(
        "aws:iam/role:Role",
        {"name": "app", "inlinePolicies": [{"name": "p", "policy": "{}"}], "assumeRolePolicy": "{}"},
        name="app",
    )
    attach = res(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"role": "app", "policyArn": "arn:x"}, name="a"
    )
    inline = res("aws:iam/rolePolicy:RolePolicy", {"role": "app", "policy": "{}"}, name="i")
    assert stack_verdicts(pack, policy, [role, attach]) == [], "inline + attachment do not conflict"
    [v] = stack_verdicts(pack, policy, [role, inline])
    assert v.urn.endswith("::app") and "inlinePolicies" in v.message
    managed = res(
        "aws:iam/role:Role",
        {"name": "app", "managedPolicyArns": ["arn:x"], "assumeRolePolicy": "{}"},
        name="app",
    )
    [v] = stack_verdicts(pack, policy, [managed, attach])
    assert "managedPolicyArns" in v.message
