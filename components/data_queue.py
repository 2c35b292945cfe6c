"""The job queue's builder: Laravel's SQS queue and its dead-letter queue in one region, as the primary's data
tier and the DR site (components/dr_site.py) each create them."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from settings.data import QueueSettings


def job_queues(
    name: str, prefix: str, q: QueueSettings, key_arn: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> tuple[aws.sqs.Queue, aws.sqs.Queue]:
    """Laravel's `sqs` queue and its dead-letter queue (`<prefix>-jobs`, `<prefix>-jobs-dlq`), encrypted with
    `key_arn`: a job received max_receive_count times without being deleted (a worker crashed on it) goes to the
    dead-letter queue. One region's pair; the primary's data tier and the DR site each create their own."""
    retention = q.retention_days * 86400
    dead = aws.sqs.Queue(
        f"{name}-jobs-dlq",
        name=f"{prefix}-jobs-dlq",
        message_retention_seconds=retention,
        kms_master_key_id=key_arn,
        opts=opts,
    )
    queue = aws.sqs.Queue(
        f"{name}-jobs",
        name=f"{prefix}-jobs",
        message_retention_seconds=retention,
        visibility_timeout_seconds=q.visibility_timeout_seconds,
        # Long polling: fewer empty receives (each is a billed request).
        receive_wait_time_seconds=20,
        kms_master_key_id=key_arn,
        redrive_policy=dead.arn.apply(
            lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": q.max_receive_count})
        ),
        opts=opts,
    )
    return queue, dead
