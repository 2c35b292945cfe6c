"""Unknown at preview means "cannot judge yet" unless the defect is provable anyway (policies/README.md).

Each case is sent through the analyzer gRPC interface exactly as the CLI sends a first preview: the unknown
sentinel where a value is not known, property dependencies naming the resources it will come from."""

from __future__ import annotations

import pytest

from tests.policies.conftest import DELETE, changed, res
from tests.policies.test_resource_policies import LB
from tools.wire import UNKNOWN

UNKNOWN_TAGS_PROVIDER = {
    "type": "pulumi:providers:aws",
    "urn": "urn:pulumi:test::test::pulumi:providers:aws::primary",
    "name": "primary",
    "inputs": {"region": "us-east-1", "defaultTags": UNKNOWN},
}


def verdicts(pack, policy, resource):
    return [v for v in pack.analyze(resource) if v.policy == policy]


def stack_verdicts(pack, policy, resources):
    return [v for v in pack.analyze_stack(resources) if v.policy == policy]


HTTP_LISTENER = {"protocol": "HTTP", "port": 80, "loadBalancerArn": "arn:lb"}
# (policy, type, inputs, provider or None): each would be a mandatory verdict if unknown were read as absent.
NO_FALSE_VERDICT = {
    "listener-default-actions-unknown": (
        "lb-http-redirects-to-https",
        "aws:lb/listener:Listener",
        {**HTTP_LISTENER, "defaultActions": UNKNOWN},
        None,
    ),
    "alb-subnet-mappings-unknown": (
        "alb-multi-az",
        "aws:lb/loadBalancer:LoadBalancer",
        changed(LB, {"subnets": DELETE, "subnetMappings": UNKNOWN}),
        None,
    ),
    "alb-subnets-unknown": (
        "alb-multi-az",
        "aws:lb/loadBalancer:LoadBalancer",
        {**LB, "subnets": UNKNOWN},
        None,
    ),
    "access-logs-enabled-unknown": (
        "lb-access-logs",
        "aws:lb/loadBalancer:LoadBalancer",
        changed(LB, {"accessLogs.enabled": UNKNOWN}),
        None,
    ),
    "tags-unknown": ("required-tags", "aws:s3/bucket:Bucket", {"bucket": "b", "tags": UNKNOWN}, None),
    "default-tags-unknown": (
        "required-tags",
        "aws:s3/bucket:Bucket",
        {"bucket": "b"},
        UNKNOWN_TAGS_PROVIDER,
    ),
    "tag-value-unknown": (
        "required-tags",
        "aws:s3/bucket:Bucket",
        {"bucket": "b", "tags": {"Project": UNKNOWN, "Environment": "test", "ManagedBy": "Pulumi"}},
        UNKNOWN_TAGS_PROVIDER | {"inputs": {"region": "us-east-1"}},
    ),
    "ecr-encryption-unknown": (
        "ecr-repository-kms",
        "aws:ecr/repository:Repository",
        {"encryptionConfigurations": UNKNOWN},
        None,
    ),
    "mysql-parameters-unknown": (
        "mysql-require-secure-transport",
        "aws:rds/parameterGroup:ParameterGroup",
        {"family": "mysql8.0", "parameters": UNKNOWN},
        None,
    ),
    "mysql-parameter-name-unknown": (
        "mysql-require-secure-transport",
        "aws:rds/parameterGroup:ParameterGroup",
        {"family": "mysql8.0", "parameters": [{"name": UNKNOWN, "value": "1"}]},
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(NO_FALSE_VERDICT))
def test_an_unknown_value_is_not_read_as_absent(pack, case) -> None:
    policy, type_, inputs, provider = NO_FALSE_VERDICT[case]
    kw = {"provider": provider} if provider else {}
    assert verdicts(pack, policy, res(type_, inputs, **kw)) == [], f"{case}: {policy} judged an unknown value"


PROVABLE = {
    "one-subnet-whatever-its-id": (
        "alb-multi-az",
        "aws:lb/loadBalancer:LoadBalancer",
        {**LB, "subnets": [UNKNOWN]},
        "uses 1 subnet(s)",
    ),
    "one-subnet-mapping-whatever-its-id": (
        "alb-multi-az",
        "aws:lb/loadBalancer:LoadBalancer",
        changed(LB, {"subnets": DELETE, "subnetMappings": [{"subnetId": UNKNOWN}]}),
        "uses 1 subnet(s)",
    ),
    "logs-disabled-bucket-unknown": (
        "lb-access-logs",
        "aws:lb/loadBalancer:LoadBalancer",
        changed(LB, {"accessLogs": {"bucket": UNKNOWN, "enabled": False}}),
        "writes no access logs",
    ),
    "missing-tag-beside-an-unknown-one": (
        "required-tags",
        "aws:s3/bucket:Bucket",
        {"bucket": "b", "tags": {"Project": UNKNOWN}},
        "Environment, ManagedBy",
    ),
}


@pytest.mark.parametrize("case", sorted(PROVABLE))
def test_a_defect_provable_despite_unknowns_is_found(pack, case) -> None:
    policy, type_, inputs, words = PROVABLE[case]
    kw = (
        {"provider": UNKNOWN_TAGS_PROVIDER | {"inputs": {"region": "us-east-1"}}}
        if policy == "required-tags"
        else {}
    )
    [v] = verdicts(pack, policy, res(type_, inputs, **kw))
    assert words in v.message, f"{case}: {v.message}"


# -- stack policies: relating resources whose ids are unknown, through property dependencies --------------------
def first_deploy_network(azs=("us-east-1a", "us-east-1b"), port=443, waf=True, lb_groups_dep=True, extra=()):
    """A VPC, subnets, an ALB group, an ingress rule, an ALB and its WAF association, as a first preview sends them:
    ids and ARNs unknown, each reference tied to its target by a property dependency."""
    vpc = res("aws:ec2/vpc:Vpc", {"id": UNKNOWN, "arn": UNKNOWN, "cidrBlock": "10.0.0.0/16"}, name="vpc")
    subnets = [
        res(
            "aws:ec2/subnet:Subnet",
            {"id": UNKNOWN, "vpcId": UNKNOWN, "availabilityZone": az, "cidrBlock": f"10.0.{i}.0/24"},
            name=f"subnet-{i}",
            property_dependencies={"vpcId": [vpc.urn]},
        )
        for i, az in enumerate(azs)
    ]
    sg = res("aws:ec2/securityGroup:SecurityGroup", {"id": UNKNOWN, "vpcId": UNKNOWN}, name="alb-sg")
    rule = res(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        {
            "securityGroupId": UNKNOWN,
            "cidrIpv4": "0.0.0.0/0",
            "fromPort": port,
            "toPort": port,
            "ipProtocol": "tcp",
        },
        name="alb-in",
        property_dependencies={"securityGroupId": [sg.urn]},
    )
    lb = res(
        "aws:lb/loadBalancer:LoadBalancer",
        {
            "internal": False,
            "loadBalancerType": "application",
            "securityGroups": [UNKNOWN],
            "subnets": [UNKNOWN] * len(azs),
            "arn": UNKNOWN,
            "id": UNKNOWN,
        },
        name="alb",
        property_dependencies={"securityGroups": [sg.urn]} if lb_groups_dep else {},
    )
    out = [vpc, *subnets, sg, rule, lb]
    if waf:
        out.append(
            res(
                "aws:wafv2/webAclAssociation:WebAclAssociation",
                {"resourceArn": UNKNOWN, "webAclArn": UNKNOWN},
                name="waf",
                property_dependencies={"resourceArn": [lb.urn]},
            )
        )
    return out + list(extra)


def test_a_first_deploy_network_that_is_right_passes(pack) -> None:
    resources = first_deploy_network()
    for policy in ("vpc-subnets-span-azs", "security-group-no-public-ingress", "waf-on-public-endpoints"):
        assert stack_verdicts(pack, policy, resources) == [], f"{policy}: a right first deploy was flagged"


def test_subnets_are_tied_to_their_vpc_by_property_dependency(pack) -> None:
    [v] = stack_verdicts(pack, "vpc-subnets-span-azs", first_deploy_network(azs=("us-east-1a", "us-east-1a")))
    assert v.urn.endswith("::vpc") and "1 AZ(s)" in v.message
    # An AZ unknown might be the second one: no verdict; two subnets short of three AZs even if it is: a verdict.
    assert (
        stack_verdicts(pack, "vpc-subnets-span-azs", first_deploy_network(azs=("us-east-1a", UNKNOWN))) == []
    )
    unrelated = res(
        "aws:ec2/subnet:Subnet", {"vpcId": UNKNOWN, "availabilityZone": "us-east-1c"}, name="loose"
    )
    assert (
        stack_verdicts(
            pack, "vpc-subnets-span-azs", first_deploy_network(azs=("us-east-1a",), extra=[unrelated])
        )
        == []
    ), "a subnet whose VPC cannot be related may be the missing AZ"


def test_a_waf_association_is_tied_to_its_load_balancer_by_property_dependency(pack) -> None:
    [v] = stack_verdicts(pack, "waf-on-public-endpoints", first_deploy_network(waf=False))
    assert v.urn.endswith("::alb") and "no WAF web ACL" in v.message
    floating = res(
        "aws:wafv2/webAclAssociation:WebAclAssociation", {"resourceArn": UNKNOWN}, name="somewhere"
    )
    assert (
        stack_verdicts(pack, "waf-on-public-endpoints", first_deploy_network(waf=False, extra=[floating]))
        == []
    ), "an association whose target cannot be related may be this load balancer's"


def test_a_rule_is_judged_without_knowing_its_group(pack) -> None:
    """Port 22 from the world is a defect whichever group it opens; port 443 needs the group to be a load
    balancer's, related through the property dependencies of the rule and of the load balancer."""
    [v] = stack_verdicts(pack, "security-group-no-public-ingress", first_deploy_network(port=22))
    assert v.urn.endswith("::alb-in") and "port 22" in v.message
    other = res("aws:ec2/securityGroup:SecurityGroup", {"id": UNKNOWN}, name="db-sg")
    stray = res(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        {
            "securityGroupId": UNKNOWN,
            "cidrIpv4": "0.0.0.0/0",
            "fromPort": 443,
            "toPort": 443,
            "ipProtocol": "tcp",
        },
        name="db-in",
        property_dependencies={"securityGroupId": [other.urn]},
    )
    [v] = stack_verdicts(pack, "security-group-no-public-ingress", first_deploy_network(extra=[other, stray]))
    assert v.urn.endswith("::db-in") and "no internet-facing load balancer uses" in v.message
    # The load balancer's groups unknown and unrelated: which groups it uses is not known, no verdict on 443.
    assert (
        stack_verdicts(pack, "security-group-no-public-ingress", first_deploy_network(lb_groups_dep=False))
        == []
    )


def test_an_unknown_encryption_rule_is_not_read_as_no_encryption(pack) -> None:
    from tests.policies.test_stack_policies import bucket_stack

    resources = bucket_stack(sse={"rules": UNKNOWN})
    assert stack_verdicts(pack, "s3-bucket-kms-encryption", resources) == []
    unknown_name = bucket_stack(
        bucket={"bucket": UNKNOWN}, sse={"rules.0.applyServerSideEncryptionByDefault.sseAlgorithm": "AES256"}
    )
    for r in unknown_name[1:]:
        r.property_dependencies = {"bucket": [unknown_name[0].urn]}
    # No bucket is allowed SSE-S3 by default: AES256 is a defect whatever the bucket's name.
    [v] = stack_verdicts(pack, "s3-bucket-kms-encryption", unknown_name)
    assert "AES256" in v.message
