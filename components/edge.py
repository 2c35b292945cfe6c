"""Edge tier: the Application Load Balancer CloudFront reaches, with TLS 1.2+, its certificate and its WAF.

Nothing but CloudFront reaches the ALB (the CloudFront developer guide's "Restrict access to Application Load
Balancers"): its security group admits HTTPS only from CloudFront's origin-facing prefix list, and its listener
forwards only requests carrying the origin-verification header this tier generates and the CDN tier adds to every
origin request (the prefix list alone would admit any distribution, ours or not); everything else gets 403. The
ALB's one DNS name, `<originSubdomain>.<domain>`, exists for CloudFront to connect to over TLS; the public names
(apex and `www`) point at CloudFront (components/cdn.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.context import RegionContext
from components.contract import API_PORT, WEB_PORT, EdgeTargets, ServiceTarget, SiteNetwork
from components.failover_switch import FailoverSwitch, FailoverSwitchArgs
from components.waf import UploadRoutes, guide_rules, visibility, waf_logging
from settings.edge import EdgeSettings

from .iam import deny_insecure_transport, document

# The header CloudFront adds to every request to the ALB origin; the listener forwards only requests that carry it.
ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
API_PATH = "/api/*"


@dataclass(frozen=True)
class OriginFailover:
    """The origin name as one of a Route 53 failover pair (the primary region's ALB, the DR site's ALB)."""

    role: Literal["PRIMARY", "SECONDARY"]
    """Route 53 answers with the PRIMARY record while it is healthy, else with the SECONDARY if that one is."""
    switch: FailoverSwitchArgs | None = None
    """The operators' failover switch the record must also obey (the PRIMARY's; components/failover_switch.py)."""


@dataclass
class EdgeArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: EdgeSettings
    """The validated edge settings of the stack."""
    domain: str
    """Apex domain; the ALB's origin name is `<originSubdomain>.<domain>` (covered by the `*.<domain>` certificate)."""
    zone_id: pulumi.Input[str]
    """Route 53 zone of the domain (DNS tier): certificate validation and the origin record."""
    network: SiteNetwork
    """The VPC the load balancer serves from: its public subnets and the `alb` security group; the target groups
    live in its VPC."""
    region: RegionContext
    """The region the load balancer serves from: its account names the access-log bucket, its logs key encrypts
    the WAF log group."""
    protect: bool
    """Protect the log bucket (prod)."""
    origin_verify_value: pulumi.Input[str] | None = None
    """The origin-verification value to require; None: generate it here (the primary region's edge). The DR site's
    load balancer requires the same value, since one CloudFront origin reaches either."""
    origin_failover: OriginFailover | None = None
    """The origin name's failover role (with a DR site); None: a simple alias record."""


class Edge(pulumi.ComponentResource):
    alb_arn: pulumi.Output[str]
    alb_arn_suffix: pulumi.Output[str]
    alb_dns_name: pulumi.Output[str]
    alb_zone_id: pulumi.Output[str]
    https_listener_arn: pulumi.Output[str]
    targets: EdgeTargets
    """The target groups the compute tier's services attach to, with their ports and health-check paths."""
    waf_log_group_name: pulumi.Output[str]
    access_log_bucket_name: pulumi.Output[str]
    origin_host: str
    """The ALB's DNS name for CloudFront, `<originSubdomain>.<domain>`; not a public name (only CloudFront gets in)."""
    origin_verify_header: str
    """Name of the header CloudFront must send to the ALB (`X-Origin-Verify`)."""
    origin_verify_value: pulumi.Output[str]
    """Its value: generated, secret; the listener forwards only requests that carry it."""
    failover_switch_alarm_name: pulumi.Output[str] | None
    """The failover switch's alarm in the DR region (PRIMARY origin record only), which tools/failover.py moves."""
    failover_health_check_id: pulumi.Output[str] | None
    """The Route 53 health check on that alarm, which the PRIMARY origin record obeys."""

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:edge:Edge", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self.origin_host = f"{args.settings.origin_subdomain}.{args.domain}"
        self.origin_verify_header = ORIGIN_VERIFY_HEADER
        # Letters and digits only: ALB header conditions treat * and ? as wildcards and compare case-insensitively,
        # which still leaves 36^64 values.
        self.origin_verify_value = pulumi.Output.secret(
            args.origin_verify_value
            if args.origin_verify_value is not None
            else random.RandomPassword(
                f"{name}-origin-verify", length=64, special=False, opts=self._child
            ).result
        )

        log_bucket = self._create_access_log_bucket()
        certificate_arn = self._create_certificate()
        alb = aws.lb.LoadBalancer(
            name,
            name=f"{args.name_prefix}-alb",
            load_balancer_type="application",
            internal=False,
            security_groups=[args.network.alb_sg_id],
            subnets=args.network.public_subnet_ids,
            drop_invalid_header_fields=True,
            enable_deletion_protection=args.settings.deletion_protection,
            access_logs={"bucket": log_bucket.bucket, "enabled": True, "prefix": "alb"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self._log_bucket_policy]),
        )
        # Each service's port and health-check path, written once: the target groups check them and the compute
        # tier's containers answer on them (the ServiceTarget bundles below).
        self._served = {
            "web": (WEB_PORT, args.settings.web_health_check_path),
            "api": (API_PORT, args.settings.api_health_check_path),
        }
        web_tg, api_tg = self._create_target_groups()
        https = self._create_listeners(alb, certificate_arn, web_tg, api_tg)
        waf_log_group = self._create_waf(alb)
        self._create_origin_record(args.zone_id, alb)

        self.alb_arn, self.alb_arn_suffix = alb.arn, alb.arn_suffix
        self.alb_dns_name, self.alb_zone_id = alb.dns_name, alb.zone_id
        self.https_listener_arn = https.arn
        self.targets = EdgeTargets(
            alb_arn_suffix=alb.arn_suffix,
            web=ServiceTarget(web_tg.arn, web_tg.arn_suffix, *self._served["web"]),
            api=ServiceTarget(api_tg.arn, api_tg.arn_suffix, *self._served["api"]),
            # The listener and its rules are this component's children: waiting for it waits for them.
            attachments=(self,),
        )
        self.waf_log_group_name = waf_log_group.name
        self.access_log_bucket_name = log_bucket.bucket
        self.register_outputs(
            {
                "alb_arn": self.alb_arn,
                "alb_arn_suffix": self.alb_arn_suffix,
                "alb_dns_name": self.alb_dns_name,
                "alb_zone_id": self.alb_zone_id,
                "https_listener_arn": self.https_listener_arn,
                **{
                    f"{key}_target_group_{part}": getattr(target, f"target_group_{part}")
                    for key, target in self.targets.by_service().items()
                    for part in ("arn", "arn_suffix")
                },
                "waf_log_group_name": self.waf_log_group_name,
                "access_log_bucket_name": self.access_log_bucket_name,
                "origin_verify_value": self.origin_verify_value,
                "failover_switch_alarm_name": self.failover_switch_alarm_name,
                "failover_health_check_id": self.failover_health_check_id,
            }
        )

    def _create_origin_record(self, zone_id: pulumi.Input[str], alb: aws.lb.LoadBalancer) -> None:
        """`origin.<domain>` → this ALB. With a DR site it is one of a failover pair: Route 53's data plane answers
        with the PRIMARY while its ALB has healthy targets and the failover switch is off, else with the SECONDARY
        (the DR site's ALB) once that one has healthy targets; no API call moves it (docs/dr-runbook.md)."""
        failover = self._args.origin_failover
        routing: dict = {}
        opts = self._child
        self.failover_switch_alarm_name = self.failover_health_check_id = None
        if failover is not None:
            if failover.switch is not None:
                switch = FailoverSwitch(f"{self._name}-failover-switch", failover.switch, opts=self._child)
                self.failover_switch_alarm_name = switch.alarm_name
                self.failover_health_check_id = switch.health_check_id
            routing = {
                "set_identifier": f"{self._args.name_prefix}-{failover.role.lower()}",
                "failover_routing_policies": [{"type": failover.role}],
                "health_check_id": self.failover_health_check_id,
            }
            # Route 53 keeps no simple and failover records of one name side by side: turning the simple record
            # into the PRIMARY one deletes it first (seconds without the name; CloudFront retries the origin).
            opts = pulumi.ResourceOptions(parent=self, delete_before_replace=True)
        aws.route53.Record(
            f"{self._name}-origin",
            zone_id=zone_id,
            name=self.origin_host,
            type="A",
            # Evaluate target health: Route 53 counts the ALB unhealthy when none of its target groups has a healthy
            # target (an empty group counts as unhealthy: a pilot light before its failover).
            aliases=[{"name": alb.dns_name, "zone_id": alb.zone_id, "evaluate_target_health": True}],
            **routing,
            opts=opts,
        )

    # -- access logs -----------------------------------------------------------------------------------------
    def _create_access_log_bucket(self) -> aws.s3.Bucket:
        a, n = self._args, self._name
        invoke = pulumi.InvokeOptions(parent=self)
        account = a.region.account_id
        elb_account_arn = aws.elb.get_service_account_output(opts=invoke).arn
        stateful = pulumi.ResourceOptions(parent=self, protect=a.protect, retain_on_delete=a.protect)
        bucket = aws.s3.Bucket(
            f"{n}-access-logs",
            bucket=account.apply(lambda acct: f"{a.name_prefix}-alb-logs-{acct}"),
            force_destroy=not a.protect,
            opts=stateful,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{n}-access-logs",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self._child,
        )
        aws.s3.BucketOwnershipControls(
            f"{n}-access-logs",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=self._child,
        )
        aws.s3.BucketVersioning(
            f"{n}-access-logs",
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=self._child,
        )
        # ALB access logs can only be written to buckets encrypted with SSE-S3 (ELB user guide, "Access logs":
        # SSE-KMS is not supported), so this bucket is the one exception to the customer-managed-key rule.
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{n}-access-logs",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=self._child,
        )
        days = a.settings.access_log_expiration_days
        aws.s3.BucketLifecycleConfiguration(
            f"{n}-access-logs",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "expiration": {"days": days},
                    "noncurrent_version_expiration": {"noncurrent_days": 7},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                }
            ],
            opts=self._child,
        )
        self._log_bucket_policy = aws.s3.BucketPolicy(
            f"{n}-access-logs",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, account, elb_account_arn).apply(
                lambda v: document(
                    [
                        deny_insecure_transport(v[0]),
                        {
                            "Sid": "ElasticLoadBalancingWritesAccessLogs",
                            "Effect": "Allow",
                            "Principal": {"AWS": v[2]},
                            "Action": "s3:PutObject",
                            "Resource": f"{v[0]}/alb/AWSLogs/{v[1]}/*",
                        },
                    ]
                )
            ),
            opts=self._child,
        )
        return bucket

    # -- certificate -----------------------------------------------------------------------------------------
    def _create_certificate(self) -> pulumi.Output[str]:
        a, n = self._args, self._name
        cert = aws.acm.Certificate(
            f"{n}-certificate",
            domain_name=a.domain,
            subject_alternative_names=[f"*.{a.domain}"],
            validation_method="DNS",
            key_algorithm="EC_prime256v1",
            opts=self._child,
        )
        # The apex and the wildcard share one validation record, so only distinct records are created.
        records = cert.domain_validation_options.apply(
            lambda options: sorted(
                {
                    (o["resource_record_name"], o["resource_record_type"], o["resource_record_value"])
                    for o in options
                }
            )
        )
        record = aws.route53.Record(
            f"{n}-certificate-validation",
            zone_id=a.zone_id,
            name=records.apply(lambda r: r[0][0]),
            type=records.apply(lambda r: r[0][1]),
            records=[records.apply(lambda r: r[0][2])],
            ttl=300,
            allow_overwrite=True,
            # ACM gives every certificate of a domain in the account the same validation CNAME (the CDN's
            # us-east-1 certificate shares it): deleting this stack's copy must not break the other's renewal.
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        fqdns = [record.fqdn]
        validation = aws.acm.CertificateValidation(
            f"{n}-certificate", certificate_arn=cert.arn, validation_record_fqdns=fqdns, opts=self._child
        )
        return validation.certificate_arn

    # -- target groups and listeners -------------------------------------------------------------------------
    def _create_target_groups(self) -> tuple[aws.lb.TargetGroup, aws.lb.TargetGroup]:
        a, n = self._args, self._name

        def group(kind: str, port: int, path: str) -> aws.lb.TargetGroup:
            return aws.lb.TargetGroup(
                f"{n}-{kind}",
                name=f"{a.name_prefix}-{kind}",
                port=port,
                protocol="HTTP",
                target_type="ip",
                vpc_id=a.network.vpc_id,
                deregistration_delay=30,
                health_check={
                    "enabled": True,
                    "protocol": "HTTP",
                    "path": path,
                    "matcher": "200",
                    "interval": 15,
                    "timeout": 5,
                    "healthy_threshold": 2,
                    "unhealthy_threshold": 3,
                },
                opts=self._child,
            )

        return group("web", *self._served["web"]), group("api", *self._served["api"])

    def _create_listeners(
        self,
        alb: aws.lb.LoadBalancer,
        certificate_arn: pulumi.Output[str],
        web_tg: aws.lb.TargetGroup,
        api_tg: aws.lb.TargetGroup,
    ) -> aws.lb.Listener:
        n = self._name
        # HTTPS only: CloudFront reaches the origin over TLS 1.2 (https-only), and nothing else reaches port 80.
        https = aws.lb.Listener(
            f"{n}-https",
            load_balancer_arn=alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=self._args.settings.ssl_policy,
            certificate_arn=certificate_arn,
            default_actions=[
                {
                    "type": "fixed-response",
                    "fixed_response": {
                        "content_type": "text/plain",
                        "message_body": "Forbidden",
                        "status_code": "403",
                    },
                }
            ],
            opts=self._child,
        )
        from_cloudfront = {
            "http_header": {
                "http_header_name": self.origin_verify_header,
                "values": [self.origin_verify_value],
            }
        }
        aws.lb.ListenerRule(
            f"{n}-api",
            listener_arn=https.arn,
            priority=10,
            conditions=[from_cloudfront, {"path_pattern": {"values": [API_PATH]}}],
            actions=[{"type": "forward", "target_group_arn": api_tg.arn}],
            opts=self._child,
        )
        aws.lb.ListenerRule(
            f"{n}-web",
            listener_arn=https.arn,
            priority=20,
            conditions=[from_cloudfront],
            actions=[{"type": "forward", "target_group_arn": web_tg.arn}],
            opts=self._child,
        )
        return https

    # -- WAF -------------------------------------------------------------------------------------------------
    def _create_waf(self, alb: aws.lb.LoadBalancer) -> aws.cloudwatch.LogGroup:
        a, n = self._args, self._name
        acl = aws.wafv2.WebAcl(
            f"{n}-waf",
            name=f"{a.name_prefix}-alb-waf",
            description="The guide's rules (Common Rule Set, 2000 requests per client) plus known bad inputs and SQLi",
            scope="REGIONAL",
            default_action={"allow": {}},
            # Everything reaches the ALB through CloudFront: the client is the forwarded address, not the source.
            rules=guide_rules(
                a.settings.waf_rate_limit,
                uploads=UploadRoutes(tuple(a.settings.upload_paths), a.settings.upload_max_bytes),
                client="forwarded",
            ),
            visibility_config=visibility(f"{a.name_prefix}-alb-waf"),
            opts=self._child,
        )
        aws.wafv2.WebAclAssociation(f"{n}-waf", resource_arn=alb.arn, web_acl_arn=acl.arn, opts=self._child)
        group = waf_logging(
            n,
            acl.arn,
            log_group_name=f"aws-waf-logs-{a.name_prefix}-alb",
            retention_days=a.settings.log_retention_days,
            kms_key_arn=a.region.keys.logs,
            opts=self._child,
        )
        return group
