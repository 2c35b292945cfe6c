"""Pricing rules, one module per AWS service. Importing a module registers its rules (`@rule(type, ...)`)
with the engine; add a service as a module here and list it below."""

from . import (  # noqa: F401  (imported for their registrations)
    backup,
    cloudfront,
    cloudwatch,
    ec2,
    ecr,
    ecs,
    elasticache,
    elb,
    firehose,
    kms,
    opensearch,
    rds,
    route53,
    s3,
    secretsmanager,
    sns,
    sqs,
    ssm,
    vpc,
    wafv2,
)
