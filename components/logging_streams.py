"""Where each log delivery stream delivers: the Firehose OpenSearch destination of one log source (its index,
rotation, buffering, failed records to S3, the VPC interfaces, the gzip decompression and its error log). A pure
builder of the provider's argument objects (no resources), so the component reads as the resources it creates."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

# Firehose decompresses the gzip batches CloudWatch Logs sends and extracts each log event as a document.
_PROCESSORS = [
    ("Decompression", {"CompressionFormat": "GZIP"}),
    ("CloudWatchLogProcessing", {"DataMessageExtraction": "true"}),
]


def opensearch_destination(
    source: str,
    *,
    domain_arn: pulumi.Input[str],
    role_arn: pulumi.Input[str],
    bucket_arn: pulumi.Input[str],
    key_arn: pulumi.Input[str],
    index_rotation: str,
    subnet_ids: pulumi.Input[list[str]],
    security_group_ids: list[pulumi.Input[str]],
    error_log_group: pulumi.Input[str],
) -> aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationArgs:
    """Source `source`'s documents into the index `<source>-logs` (rotated every `index_rotation`); what the
    domain refuses goes to the failed-records bucket under `<source>/`, encrypted with `key_arn`; delivery errors
    go to the stream `source` of `error_log_group`."""
    return aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationArgs(
        domain_arn=domain_arn,
        role_arn=role_arn,
        index_name=f"{source}-logs",
        index_rotation_period=index_rotation,
        buffering_interval=60,
        buffering_size=5,
        retry_duration=300,
        s3_backup_mode="FailedDocumentsOnly",
        s3_configuration=aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationS3ConfigurationArgs(
            role_arn=role_arn,
            bucket_arn=bucket_arn,
            prefix=f"{source}/",
            error_output_prefix=f"{source}-errors/!{{firehose:error-output-type}}/",
            compression_format="GZIP",
            kms_key_arn=key_arn,
        ),
        vpc_config=aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationVpcConfigArgs(
            role_arn=role_arn,
            subnet_ids=subnet_ids,
            security_group_ids=security_group_ids,
        ),
        processing_configuration=aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationArgs(
            enabled=True,
            processors=[
                aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationProcessorArgs(
                    type=kind,
                    parameters=[
                        aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationProcessorParameterArgs(
                            parameter_name=k, parameter_value=v
                        )
                        for k, v in params.items()
                    ],
                )
                for kind, params in _PROCESSORS
            ],
        ),
        cloudwatch_logging_options=aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationCloudwatchLoggingOptionsArgs(
            enabled=True, log_group_name=error_log_group, log_stream_name=source
        ),
    )
