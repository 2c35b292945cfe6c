"""Log aggregation: an Amazon OpenSearch Service domain fed by Firehose from CloudWatch Logs.

The guide runs Elasticsearch 8.11, Logstash and Kibana itself with `xpack.security.enabled=false`, a single
node and port 9200 published: anyone on the network reads and writes every log. This replaces it with a
managed domain in the private subnets, encrypted at rest (KMS) and between nodes, HTTPS only with TLS 1.2+,
fine-grained access control whose master is an IAM role (no password anywhere), and an access policy that admits
only this account's signed requests. The Firehose delivery role is mapped, as code, to a role that may write the
log indices: a function in the VPC, run as the master role at deploy time, writes the mapping (components/
search_roles_function), since the security plugin's API is reachable only from the VPC. Logs travel CloudWatch Logs → subscription filter →
Firehose (decompressed, one index per source, rotated daily) → the domain; records the domain refuses land
in an encrypted S3 bucket instead of being lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.context import RegionContext
from settings.logging import SearchSettings

from .iam import account_root, deny_insecure_transport, document
from .logging_policies import (
    admin_policy,
    admin_trust,
    delivery_policy,
    delivery_trust,
    domain_access_policy,
    domain_logs_policy,
    roles_event,
    subscriptions_policy,
    subscriptions_trust,
)
from .logging_streams import opensearch_destination

TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10"
ROLES_FUNCTION_SOURCE = Path(__file__).parent / "search_roles_function"
ROLES_FUNCTION_RUNTIME = "python3.12"


@dataclass
class LogSearchArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: SearchSettings
    """Domain sizing and delivery settings."""
    protect: bool
    """Protect the domain and the failed-records bucket."""
    region: RegionContext
    """The primary region: its logs key encrypts the domain, the delivery streams, their error logs and the
    failed-records bucket; its account and partition name them."""
    private_subnet_ids: pulumi.Input[list[str]]
    """Private subnets; the domain takes one per AZ it spans, the streams' interfaces all of them."""
    search_sg_id: pulumi.Input[str]
    """Security group of the domain and the delivery streams (HTTPS within the group only)."""
    log_sources: Mapping[str, Sequence[pulumi.Input[str]]]
    """Log group names per source (ecs, waf, database): one delivery stream and index per source."""


class LogSearch(pulumi.ComponentResource):
    domain_name: pulumi.Output[str]
    domain_arn: pulumi.Output[str]
    domain_endpoint: pulumi.Output[str]
    admin_role_arn: pulumi.Output[str]
    """The fine-grained access control master: an IAM role operators assume (docs/operations.md)."""
    failed_records_bucket_arn: pulumi.Output[str]
    delivery_stream_arns: dict[str, pulumi.Output[str]]
    delivery_stream_names: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: LogSearchArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:operations:LogSearch", name, None, opts)
        self._name, self._args, self._s = name, args, args.settings
        self._child = pulumi.ResourceOptions(parent=self)
        self._account, self._partition = args.region.account_id, args.region.partition
        self._region = args.region.name
        self._domain_physical = f"{args.name_prefix}-logs"

        admin = self._create_admin_role()
        admin_grant, roles_log_group = self._grant_admin(admin)
        delivery_role = self._create_delivery_role()
        bucket = self._create_failed_records_bucket()
        publishing = self._create_domain_logs()
        domain = self._create_domain(admin, admin_grant, delivery_role, publishing)
        delivery_grant = self._grant_delivery(delivery_role, domain, bucket)
        mapping = self._map_roles(admin, admin_grant, roles_log_group, delivery_role, domain)
        # A stream delivers only once its role may write (IAM) and is mapped to a writing role (the domain).
        streams = self._create_streams(delivery_role, [delivery_grant, mapping], domain, bucket)
        self.delivery_stream_arns = {k: st.arn for k, st in streams.items()}
        self.delivery_stream_names = {k: st.name for k, st in streams.items()}

        self.domain_name, self.domain_arn, self.domain_endpoint = (
            domain.domain_name,
            domain.arn,
            domain.endpoint,
        )
        self.admin_role_arn = admin.arn
        self.failed_records_bucket_arn = bucket.arn
        self.register_outputs(
            {
                "domain_name": self.domain_name,
                "domain_arn": self.domain_arn,
                "domain_endpoint": self.domain_endpoint,
                "admin_role_arn": self.admin_role_arn,
                "failed_records_bucket_arn": self.failed_records_bucket_arn,
                **{f"{k}_delivery_stream_arn": v for k, v in self.delivery_stream_arns.items()},
            }
        )

    # -- the master role and the role mapping ---------------------------------------------------------------
    def _create_admin_role(self) -> aws.iam.Role:
        """Fine-grained access control's master user is this IAM role (`masterUserArn`): operators reach the
        domain by assuming it (IAM, MFA and SSO apply; nothing to leak or rotate), and the roles function runs as
        it at deploy time to write the role mappings. The internal user database stays off: no password exists."""
        args = self._args
        return aws.iam.Role(
            f"{self._name}-admin",
            name=f"{args.name_prefix}-search-admin",
            description="Master of the log domain's fine-grained access control: operators and the roles function",
            assume_role_policy=pulumi.Output.all(self._account, self._partition).apply(
                lambda v: admin_trust(v[0], v[1])
            ),
            opts=self._child,
        )

    def _grant_admin(self, admin: aws.iam.Role) -> tuple[aws.iam.RolePolicy, aws.cloudwatch.LogGroup]:
        """The master role's policy, before the domain names the role as its master (every resource that uses a
        role waits for its policies): the domain's ARN is known from its name."""
        args, n = self._args, f"{self._name}-roles"
        log_group = aws.cloudwatch.LogGroup(
            n,
            name=f"/aws/lambda/{args.name_prefix}-search-roles",
            retention_in_days=30,
            kms_key_id=args.region.keys.logs,
            opts=self._child,
        )
        policy = aws.iam.RolePolicy(
            n,
            role=admin.id,
            policy=pulumi.Output.all(self._domain_arn(), log_group.arn, self._region).apply(
                lambda a: admin_policy(a[0], a[1], a[2])
            ),
            opts=self._child,
        )
        return policy, log_group

    def _domain_arn(self) -> pulumi.Output[str]:
        return pulumi.Output.all(self._partition, self._region, self._account).apply(
            lambda a: f"arn:{a[0]}:es:{a[1]}:{a[2]}:domain/{self._domain_physical}"
        )

    def _map_roles(
        self,
        admin: aws.iam.Role,
        policy: aws.iam.RolePolicy,
        log_group: aws.cloudwatch.LogGroup,
        delivery_role: aws.iam.Role,
        domain: aws.opensearch.Domain,
    ) -> aws.lambda_.Invocation:
        """The delivery role → `log_delivery` (write the log indices), written by the roles function in the VPC,
        invoked at deploy time whenever the roles change (aws.lambda_.Invocation)."""
        args, n = self._args, f"{self._name}-roles"
        function_name = f"{args.name_prefix}-search-roles"
        function = aws.lambda_.Function(
            n,
            name=function_name,
            description="Writes the log domain's fine-grained access control roles and mappings",
            runtime=ROLES_FUNCTION_RUNTIME,
            handler="index.handler",
            code=pulumi.AssetArchive({"index.py": pulumi.FileAsset(str(ROLES_FUNCTION_SOURCE / "index.py"))}),
            role=admin.arn,
            timeout=60,
            memory_size=128,
            vpc_config={"subnet_ids": args.private_subnet_ids, "security_group_ids": [args.search_sg_id]},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, log_group]),
        )
        sources = sorted(args.log_sources)
        event = pulumi.Output.all(domain.endpoint, self._region, delivery_role.arn).apply(
            lambda a: roles_event(a[0], a[1], a[2], sources)
        )
        # Invoked on create and whenever the event changes (a new source, a replaced role): PUT is idempotent.
        return aws.lambda_.Invocation(
            n,
            function_name=function.name,
            input=event,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[domain]),
        )

    # -- delivery role and bucket ----------------------------------------------------------------------------
    def _create_delivery_role(self) -> aws.iam.Role:
        return aws.iam.Role(
            f"{self._name}-firehose",
            name=f"{self._args.name_prefix}-logs-firehose",
            description="Firehose delivery of CloudWatch Logs to the log domain (failed records to S3)",
            assume_role_policy=self._account.apply(delivery_trust),
            opts=self._child,
        )

    def _create_failed_records_bucket(self) -> aws.s3.Bucket:
        args, n = self._args, f"{self._name}-failed"
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)
        bucket = aws.s3.Bucket(
            n,
            bucket=self._account.apply(lambda a: f"{args.name_prefix}-log-delivery-failures-{a}"),
            force_destroy=not args.protect,
            opts=stateful,
        )
        aws.s3.BucketOwnershipControls(
            n,
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=self._child,
        )
        aws.s3.BucketPublicAccessBlock(
            n,
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self._child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            n,
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=args.region.keys.logs
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=self._child,
        )
        aws.s3.BucketVersioning(
            n,
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=self._child,
        )
        days = self._s.failed_records_expiration_days
        aws.s3.BucketLifecycleConfiguration(
            n,
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-failed-records",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=7
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=1
                    ),
                )
            ],
            opts=self._child,
        )
        aws.s3.BucketPolicy(
            n,
            bucket=bucket.id,
            policy=bucket.arn.apply(
                lambda arn: document([deny_insecure_transport(arn, sid="DenyInsecureTransport")])
            ),
            opts=self._child,
        )
        return bucket

    # -- domain ----------------------------------------------------------------------------------------------
    def _create_domain_logs(
        self,
    ) -> tuple[list[aws.opensearch.DomainLogPublishingOptionArgs], pulumi.Resource]:
        """The domain's own error and audit logs (Security Hub Opensearch.4, .5) in encrypted log groups that
        only this domain may write to; audit logs are kept longer (a year in prod)."""
        args = self._args
        groups = {
            kind: aws.cloudwatch.LogGroup(
                f"{self._name}-domain-{kind}",
                name=f"/aws/opensearch/{self._domain_physical}/{kind}",
                retention_in_days=(
                    self._s.audit_log_retention_days if kind == "audit" else self._s.domain_log_retention_days
                ),
                kms_key_id=args.region.keys.logs,
                opts=self._child,
            )
            for kind in ("application", "audit")
        }
        domain_arn = self._domain_arn()
        policy = aws.cloudwatch.LogResourcePolicy(
            f"{self._name}-domain-logs",
            policy_name=f"{self._domain_physical}-publishing",
            policy_document=pulumi.Output.all(
                self._account, domain_arn, *[g.arn for g in groups.values()]
            ).apply(lambda a: domain_logs_policy(a[0], a[1], list(a[2:]))),
            opts=self._child,
        )
        options = [
            aws.opensearch.DomainLogPublishingOptionArgs(
                log_type=log_type, cloudwatch_log_group_arn=groups[kind].arn, enabled=True
            )
            for kind, log_type in (("application", "ES_APPLICATION_LOGS"), ("audit", "AUDIT_LOGS"))
        ]
        return options, policy

    def _create_domain(
        self,
        admin: aws.iam.Role,
        admin_grant: aws.iam.RolePolicy,
        delivery_role: aws.iam.Role,
        publishing: tuple[list[aws.opensearch.DomainLogPublishingOptionArgs], pulumi.Resource],
    ) -> aws.opensearch.Domain:
        args, s = self._args, self._s
        zones = s.availability_zones
        domain_arn = self._domain_arn()
        access_policy = pulumi.Output.all(
            domain_arn, delivery_role.arn, self._partition, self._account
        ).apply(lambda a: domain_access_policy(a[0], a[1], account_root(a[3], a[2])))
        return aws.opensearch.Domain(
            self._name,
            domain_name=self._domain_physical,
            engine_version=s.engine_version,
            cluster_config=aws.opensearch.DomainClusterConfigArgs(
                instance_type=s.instance_type,
                instance_count=s.instance_count,
                zone_awareness_enabled=zones > 1,
                zone_awareness_config=(
                    aws.opensearch.DomainClusterConfigZoneAwarenessConfigArgs(availability_zone_count=zones)
                    if zones > 1
                    else None
                ),
                dedicated_master_enabled=s.dedicated_master_type is not None,
                dedicated_master_type=s.dedicated_master_type,
                dedicated_master_count=s.dedicated_master_count if s.dedicated_master_type else None,
            ),
            ebs_options=aws.opensearch.DomainEbsOptionsArgs(
                ebs_enabled=True, volume_type="gp3", volume_size=s.volume_size_gib
            ),
            vpc_options=aws.opensearch.DomainVpcOptionsArgs(
                subnet_ids=pulumi.Output.from_input(args.private_subnet_ids).apply(
                    lambda ids: list(ids[:zones])
                ),
                security_group_ids=[args.search_sg_id],
            ),
            encrypt_at_rest=aws.opensearch.DomainEncryptAtRestArgs(
                enabled=True, kms_key_id=args.region.keys.logs
            ),
            node_to_node_encryption=aws.opensearch.DomainNodeToNodeEncryptionArgs(enabled=True),
            domain_endpoint_options=aws.opensearch.DomainDomainEndpointOptionsArgs(
                enforce_https=True, tls_security_policy=TLS_POLICY
            ),
            advanced_security_options=aws.opensearch.DomainAdvancedSecurityOptionsArgs(
                enabled=True,
                anonymous_auth_enabled=False,
                # IAM only: the internal user database (and so any password) is off; the master is a role.
                internal_user_database_enabled=False,
                master_user_options=aws.opensearch.DomainAdvancedSecurityOptionsMasterUserOptionsArgs(
                    master_user_arn=admin.arn,
                ),
            ),
            access_policies=access_policy,
            software_update_options=aws.opensearch.DomainSoftwareUpdateOptionsArgs(
                auto_software_update_enabled=True
            ),
            off_peak_window_options=aws.opensearch.DomainOffPeakWindowOptionsArgs(enabled=True),
            log_publishing_options=publishing[0],
            tags={"Name": self._domain_physical},
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.protect,
                retain_on_delete=args.protect,
                depends_on=[publishing[1], admin_grant],
            ),
        )

    def _grant_delivery(
        self, role: aws.iam.Role, domain: aws.opensearch.Domain, bucket: aws.s3.Bucket
    ) -> aws.iam.RolePolicy:
        """What Firehose needs and nothing more: write to the domain, put failed records in the bucket,
        manage its interfaces in the VPC, log its own errors."""
        log_group_arn = pulumi.Output.all(self._partition, self._region, self._account).apply(
            lambda a: (
                f"arn:{a[0]}:logs:{a[1]}:{a[2]}:log-group:/aws/kinesisfirehose/{self._args.name_prefix}-logs-*"
            )
        )
        policy = pulumi.Output.all(
            domain.arn, bucket.arn, self._args.region.keys.logs, log_group_arn, self._region
        ).apply(lambda a: delivery_policy(a[0], a[1], a[2], a[3], a[4]))
        return aws.iam.RolePolicy(f"{self._name}-firehose", role=role.id, policy=policy, opts=self._child)

    # -- delivery streams ------------------------------------------------------------------------------------
    def _create_streams(
        self,
        role: aws.iam.Role,
        ready: list[pulumi.Resource],
        domain: aws.opensearch.Domain,
        bucket: aws.s3.Bucket,
    ) -> dict[str, aws.kinesis.FirehoseDeliveryStream]:
        """Firehose checks its role's permissions when a stream is created, CloudWatch Logs when a subscription
        filter is: each waits for the policy of the role it names (`ready`: the grant and the role mapping;
        `subscriptions`)."""
        args, s = self._args, self._s
        errors = aws.cloudwatch.LogGroup(
            f"{self._name}-firehose-errors",
            name=f"/aws/kinesisfirehose/{args.name_prefix}-logs-delivery",
            retention_in_days=30,
            kms_key_id=args.region.keys.logs,
            opts=self._child,
        )
        # CloudWatch Logs puts subscription data into the streams through this role.
        logs_role = aws.iam.Role(
            f"{self._name}-subscriptions",
            name=f"{args.name_prefix}-logs-subscriptions",
            description="CloudWatch Logs subscription filters writing to the log delivery streams",
            assume_role_policy=pulumi.Output.all(self._region, self._account, self._partition).apply(
                lambda a: subscriptions_trust(a[0], a[1], a[2])
            ),
            opts=self._child,
        )
        streams: dict[str, aws.kinesis.FirehoseDeliveryStream] = {}
        for source in args.log_sources:
            stream_name = f"{args.name_prefix}-logs-{source}"
            streams[source] = aws.kinesis.FirehoseDeliveryStream(
                f"{self._name}-{source}",
                name=stream_name,
                destination="opensearch",
                server_side_encryption=aws.kinesis.FirehoseDeliveryStreamServerSideEncryptionArgs(
                    enabled=True, key_type="CUSTOMER_MANAGED_CMK", key_arn=args.region.keys.logs
                ),
                opensearch_configuration=opensearch_destination(
                    source,
                    domain_arn=domain.arn,
                    role_arn=role.arn,
                    bucket_arn=bucket.arn,
                    key_arn=args.region.keys.logs,
                    index_rotation=s.index_rotation,
                    subnet_ids=args.private_subnet_ids,
                    security_group_ids=[args.search_sg_id],
                    error_log_group=errors.name,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=ready),
            )
            aws.cloudwatch.LogStream(
                f"{self._name}-{source}-errors", name=source, log_group_name=errors.name, opts=self._child
            )
        subscriptions = aws.iam.RolePolicy(
            f"{self._name}-subscriptions",
            role=logs_role.id,
            policy=pulumi.Output.all(*[st.arn for st in streams.values()]).apply(subscriptions_policy),
            opts=self._child,
        )
        for source, groups in args.log_sources.items():
            for i, group in enumerate(groups):
                aws.cloudwatch.LogSubscriptionFilter(
                    f"{self._name}-{source}-{i + 1}",
                    name=f"{args.name_prefix}-to-search",
                    log_group=group,
                    filter_pattern="",
                    destination_arn=streams[source].arn,
                    role_arn=logs_role.arn,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[subscriptions]),
                )
        return streams
