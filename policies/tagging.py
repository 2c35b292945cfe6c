"""Tagging: every taggable resource says which project, environment and tool it belongs to."""

from __future__ import annotations

from factories import resource_policy
from properties import UNKNOWN, get
from tags import tags_of

# Resources AWS cannot tag (or that only carry their parent's tags); everything else with a `tags` input or
# from the commonly tagged services must carry the required tags, from its own tags or its provider's defaults.
_TAGGABLE_SERVICES = (
    "aws:ec2/",
    "aws:rds/",
    "aws:elasticache/",
    "aws:s3/bucket:",
    "aws:lb/",
    "aws:alb/",
    "aws:ecs/",
    "aws:ecr/repository:",
    "aws:kms/key:",
    "aws:cloudwatch/logGroup:",
    "aws:cloudwatch/metricAlarm:",
    "aws:sns/topic:",
    "aws:secretsmanager/secret:",
    "aws:ssm/parameter:",
    "aws:opensearch/domain:",
    "aws:backup/vault:",
    "aws:backup/plan:",
    "aws:iam/role:",
    "aws:wafv2/webAcl:",
    "aws:cloudfront/distribution:",
    "aws:acm/certificate:",
    "aws:kinesis/firehoseDeliveryStream:",
    "aws:route53/zone:",
)
_NOT_TAGGABLE = frozenset(
    {
        "aws:ec2/route:Route",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation",
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:rds/roleAssociation:RoleAssociation",
    }
)


def _required_tags(props, cfg, args):
    t = args.resource_type
    if t in _NOT_TAGGABLE or not (t.startswith(_TAGGABLE_SERVICES) or get(props, "tags") is not None):
        return
    tags = tags_of(props, args.provider)
    if tags is UNKNOWN:
        return  # the tags are not known yet
    missing = [k for k in cfg["requiredTags"] if not tags.get(k)]
    if missing:
        yield (
            f"is missing tag(s) {', '.join(missing)}; set them in the provider's defaultTags "
            "(aws.ProviderDefaultTagsArgs) or on the resource"
        )


POLICIES = [
    resource_policy(
        "required-tags",
        "Checks that taggable AWS resources carry the required tags, directly or through their "
        "provider's default tags.",
        None,
        _required_tags,
        severity="low",
        level="advisory",
        config={
            "requiredTags": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "default": ["Project", "Environment", "ManagedBy"],
            }
        },
        remediation="Give the provider defaultTags {Project, Environment, ManagedBy}.",
    ),
]
