"""CDN tier: the guide's CloudFront distribution, corrected: Origin Access Control instead of an OAI and a public
bucket, the managed policy IDs checked against AWS's documentation, TLS 1.2+ with a us-east-1 certificate, a
CLOUDFRONT-scope WAF, security response headers and standard logging (v2) to S3.

It is the site's only way in. The public names (the guide's aliases, the apex and `www`) serve:

- the React app (default behaviour) from the web tasks behind the ALB origin, never cached, with a viewer-request
  function that answers the app's client-side routes with `/index.html` (SPA fallback) and `/` through the default
  root object;
- `/api/*` from the API tasks behind the same ALB origin, never cached;
- the public prefixes (`/static/*`, `/vehicles/images/*`) from the assets bucket through OAC, cached.

The ALB origin is reached over TLS 1.2 at `<edge.originSubdomain>.<domain>` with the edge tier's secret
origin-verification header, without which the ALB answers 403 (components/edge.py).

This tier also owns the policies of the assets bucket, its DR replica and their keys, because they name the
distribution (see components/storage.py for why and for the documents themselves). The replica is a failover
origin: if the primary bucket's region answers 5xx, CloudFront reads the same object from the DR region.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import Region
from components.contract import Bucket
from components.providers import GLOBAL_SERVICES_REGION
from components.storage_policies import assets_bucket_policy, assets_key_policy
from components.waf import UploadRoutes, guide_rules, visibility, waf_logging
from settings.cdn import CdnSettings

from .iam import account_log_groups, log_group_key_policy
from .keys import rotating_key

# AWS-managed CloudFront policies, by the IDs AWS documents for the API and CloudFormation. They are fixed by
# AWS (the same in every account), so they are literals rather than data sources. Checked 2026-11-25 against the
# CloudFront developer guide pages "Use managed cache policies" and "Use managed origin request policies".
# The guide labels 4135ea2d-… "CachingOptimized" on both behaviours: that ID is CachingDisabled.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CORS_S3_ORIGIN = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
# All viewer headers except Host (CloudFront sends the origin's host name, which the ALB routes and its
# certificate matches), all cookies, all query strings. With caching disabled it also forwards Authorization
# (AWS knowledge center, "Forward the Authorization header"), which Laravel's token guard needs.
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

S3_ORIGIN_ID = "S3-assets"
S3_REPLICA_ORIGIN_ID = "S3-assets-replica"
S3_GROUP_ID = "S3-assets-with-failover"
# Failover to the replica on server errors of the primary bucket only: a 403/404 is an answer, not an outage.
FAILOVER_STATUS_CODES = [500, 502, 503, 504]
ALB_ORIGIN_ID = "ALB"
API_PATH = "/api/*"
ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
READ_METHODS = ["GET", "HEAD", "OPTIONS"]
CACHED_METHODS = ["GET", "HEAD"]
SITE_ROOT_OBJECT = "index.html"
# SPA fallback at the edge, for the app's behaviour only: a path whose last segment has no file extension is one of
# the React router's routes, so the viewer gets the app's index.html (and the router renders the route). Files
# (`/config.js`, `/favicon.ico`) and the other behaviours (/api/*, the bucket prefixes) are untouched. A
# distribution-wide custom error response would also rewrite the API's own 403/404 answers, so it is not used.
SPA_FALLBACK_CODE = """function handler(event) {
    var request = event.request;
    var last = request.uri.split('/').pop();
    if (last.indexOf('.') === -1) {
        request.uri = '/index.html';
    }
    return request;
}
"""


@dataclass
class CdnArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>`."""
    settings: CdnSettings
    """The validated CDN settings of the stack."""
    domain: str
    """Apex domain: the default aliases are www.<domain> and <domain>."""
    origin_host: str
    """The ALB's origin name (edge tier), reached over TLS 1.2 for the app and the API."""
    origin_verify_header: str
    """Header the ALB requires on every request (edge tier)."""
    origin_verify_value: pulumi.Input[str]
    """Its secret value (edge tier); CloudFront adds it to every request to the ALB origin."""
    zone_id: pulumi.Input[str]
    """Route 53 zone of the domain: certificate validation and the alias records."""
    region: Region
    """The primary region (the assets bucket and its key)."""
    global_services: Region
    """CloudFront's region (us-east-1): its certificate, its WAF web ACL and its log delivery live there."""
    assets: Bucket
    """The assets bucket (storage tier), the distribution's S3 origin; this tier writes its bucket and key policies
    (they name the distribution)."""
    dr: Region
    """The DR region: the replica's bucket policy and key policy."""
    replica: Bucket
    """The assets bucket's replica in the DR region, the origin group's failover; this tier writes its policies."""
    public_prefixes: list[str]
    """Bucket prefixes the distribution may read (storage tier's layout)."""
    log_bucket_arn: pulumi.Input[str]
    """Bucket that receives the standard (v2) access logs."""
    uploads: UploadRoutes
    """The API's upload routes and limit (edge settings): the only bodies over 8 KB the web ACL lets through."""
    protect: bool
    """Protect the WAF log key (prod)."""


class Cdn(pulumi.ComponentResource):
    distribution_id: pulumi.Output[str]
    distribution_arn: pulumi.Output[str]
    distribution_domain_name: pulumi.Output[str]
    web_acl_arn: pulumi.Output[str]
    aliases: list[str]
    """Public names the distribution answers (default: www.<domain> and <domain>)."""
    site_url: str
    """The site's public URL, `https://<domain>` (or the first alias); the API is under `<site_url>/api/`."""

    def __init__(self, name: str, args: CdnArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:cdn:Cdn", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._global = pulumi.ResourceOptions(parent=self, provider=args.global_services.provider)
        s = args.settings
        self.aliases = list(s.aliases or [f"www.{args.domain}", args.domain])
        self.site_url = f"https://{args.domain if args.domain in self.aliases else self.aliases[0]}"

        certificate_arn = self._create_certificate()
        acl = self._create_waf()
        self._create_waf_logs(acl)
        distribution = self._create_distribution(certificate_arn, acl.arn)
        self._grant_origin_read(distribution)
        self._create_access_logs(distribution)
        for alias in self.aliases:
            for kind in ("A", "AAAA"):
                aws.route53.Record(
                    f"{name}-{alias}-{kind.lower()}",
                    zone_id=args.zone_id,
                    name=alias,
                    type=kind,
                    aliases=[
                        {
                            "name": distribution.domain_name,
                            "zone_id": distribution.hosted_zone_id,
                            "evaluate_target_health": False,
                        }
                    ],
                    opts=self._child,
                )

        self.distribution_id = distribution.id
        self.distribution_arn = distribution.arn
        self.distribution_domain_name = distribution.domain_name
        self.web_acl_arn = acl.arn
        self.register_outputs(
            {
                "distribution_id": self.distribution_id,
                "distribution_arn": self.distribution_arn,
                "distribution_domain_name": self.distribution_domain_name,
                "web_acl_arn": self.web_acl_arn,
            }
        )

    # -- certificate (us-east-1: the only region CloudFront takes ACM certificates from) ----------------------
    def _create_certificate(self) -> pulumi.Output[str]:
        a, n = self._args, self._name
        cert = aws.acm.Certificate(
            f"{n}-certificate",
            domain_name=self.aliases[0],
            subject_alternative_names=self.aliases[1:],
            validation_method="DNS",
            opts=self._global,
        )
        fqdns = []
        for alias in self.aliases:
            option = cert.domain_validation_options.apply(
                lambda options, alias=alias: next(o for o in options if o["domain_name"] == alias)
            )
            record = aws.route53.Record(
                f"{n}-validation-{alias}",
                zone_id=a.zone_id,
                name=option.apply(lambda o: o["resource_record_name"]),
                type=option.apply(lambda o: o["resource_record_type"]),
                records=[option.apply(lambda o: o["resource_record_value"])],
                ttl=300,
                # ACM gives a domain name the same validation CNAME for every certificate of the account, so the
                # edge tier's certificate (<domain>, *.<domain>) uses this record too: upsert it, and never delete
                # it with this tier (the other certificate renews with it).
                allow_overwrite=True,
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
            fqdns.append(record.fqdn)
        validation = aws.acm.CertificateValidation(
            f"{n}-certificate", certificate_arn=cert.arn, validation_record_fqdns=fqdns, opts=self._global
        )
        return validation.certificate_arn

    # -- WAF (scope CLOUDFRONT exists only in us-east-1) --------------------------------------------------------
    def _create_waf(self) -> aws.wafv2.WebAcl:
        a = self._args
        return aws.wafv2.WebAcl(
            f"{self._name}-waf",
            name=f"{a.name_prefix}-cdn-waf",
            description="The guide's rules (Common Rule Set, 2000 requests per IP) plus known bad inputs and SQLi",
            scope="CLOUDFRONT",
            default_action={"allow": {}},
            # CloudFront's web ACL sees the viewer itself: the guide's per-IP limit counts real clients here.
            rules=guide_rules(a.settings.waf_rate_limit, uploads=a.uploads, client="source"),
            visibility_config=visibility(f"{a.name_prefix}-cdn-waf"),
            opts=self._global,
        )

    def _create_waf_logs(self, acl: aws.wafv2.WebAcl) -> None:
        """WAF logs of a CLOUDFRONT web ACL go to a log group in us-east-1 named aws-waf-logs-* (WAF developer
        guide, "CloudWatch Logs log group"), encrypted with a key of that region that this tier owns (the
        foundation's logs key lives in the primary region)."""
        a, n = self._args, self._name
        account, partition = a.global_services.account_id, a.global_services.partition
        key = rotating_key(
            f"{n}-waf-logs",
            f"{a.name_prefix}: CloudFront WAF logs (us-east-1)",
            protect=a.protect,
            # CloudWatch Logs of us-east-1 for this account's log groups.
            policy=pulumi.Output.all(account, partition).apply(
                lambda v: log_group_key_policy(
                    v[0], v[1], GLOBAL_SERVICES_REGION, account_log_groups(v[0], v[1], GLOBAL_SERVICES_REGION)
                )
            ),
            opts=self._global,
        )
        waf_logging(
            n,
            acl.arn,
            log_group_name=f"aws-waf-logs-{a.name_prefix}-cdn",
            retention_days=a.settings.waf_log_retention_days,
            kms_key_arn=key.arn,
            opts=self._global,
        )

    # -- distribution ---------------------------------------------------------------------------------------
    def _create_distribution(
        self, certificate_arn: pulumi.Output[str], web_acl_arn: pulumi.Output[str]
    ) -> aws.cloudfront.Distribution:
        a, n, s = self._args, self._name, self._args.settings
        oac = aws.cloudfront.OriginAccessControl(
            f"{n}-assets",
            name=f"{a.name_prefix}-assets",
            description="CloudFront signs every request to the assets bucket (SigV4)",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=self._global,
        )
        headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{n}-security-headers",
            name=f"{a.name_prefix}-security-headers",
            comment="HSTS, nosniff, frame DENY, strict referrer on every response",
            security_headers_config={
                "strict_transport_security": {
                    "access_control_max_age_sec": s.hsts_max_age_seconds,
                    "include_subdomains": True,
                    "preload": True,
                    "override": True,
                },
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": "DENY", "override": True},
                "referrer_policy": {"referrer_policy": "strict-origin-when-cross-origin", "override": True},
            },
            opts=self._global,
        )
        spa_fallback = aws.cloudfront.Function(
            f"{n}-spa-fallback",
            name=f"{a.name_prefix}-spa-fallback",
            runtime="cloudfront-js-2.0",
            comment="Client-side routes of the React app answer with /index.html",
            code=SPA_FALLBACK_CODE,
            publish=True,
            opts=self._global,
        )

        def assets(path_pattern: str) -> dict:
            return {
                "path_pattern": path_pattern,
                "target_origin_id": S3_GROUP_ID,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": READ_METHODS,
                "cached_methods": CACHED_METHODS,
                "cache_policy_id": CACHING_OPTIMIZED,
                "origin_request_policy_id": CORS_S3_ORIGIN,
                "response_headers_policy_id": headers.id,
                "compress": True,
            }

        return aws.cloudfront.Distribution(
            n,
            comment=f"{a.name_prefix}: the React app and the API (ALB), public assets (S3 through OAC)",
            enabled=True,
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class=s.price_class,
            aliases=self.aliases,
            web_acl_id=web_acl_arn,
            default_root_object=SITE_ROOT_OBJECT,
            origins=[
                {
                    "origin_id": S3_ORIGIN_ID,
                    "domain_name": a.assets.regional_domain_name,
                    "origin_access_control_id": oac.id,
                },
                {
                    "origin_id": S3_REPLICA_ORIGIN_ID,
                    "domain_name": a.replica.regional_domain_name,
                    "origin_access_control_id": oac.id,
                },
                {
                    "origin_id": ALB_ORIGIN_ID,
                    "domain_name": a.origin_host,
                    "custom_origin_config": {
                        "http_port": 80,
                        "https_port": 443,
                        "origin_protocol_policy": "https-only",
                        "origin_ssl_protocols": ["TLSv1.2"],
                        "origin_read_timeout": s.api_origin_read_timeout,
                        "origin_keepalive_timeout": 5,
                    },
                    # Proves to the ALB that the request comes through this distribution, not any other.
                    "custom_headers": [{"name": a.origin_verify_header, "value": a.origin_verify_value}],
                },
            ],
            origin_groups=[
                {
                    "origin_id": S3_GROUP_ID,
                    "failover_criteria": {"status_codes": FAILOVER_STATUS_CODES},
                    "members": [{"origin_id": S3_ORIGIN_ID}, {"origin_id": S3_REPLICA_ORIGIN_ID}],
                }
            ],
            # The app: index.html and its runtime files from nginx, never cached, so a release shows at once.
            default_cache_behavior={
                "target_origin_id": ALB_ORIGIN_ID,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": READ_METHODS,
                "cached_methods": CACHED_METHODS,
                "cache_policy_id": CACHING_DISABLED,
                "response_headers_policy_id": headers.id,
                "compress": True,
                "function_associations": [{"event_type": "viewer-request", "function_arn": spa_fallback.arn}],
            },
            ordered_cache_behaviors=[
                {
                    # API responses are personal: never cached, everything Laravel needs forwarded.
                    "path_pattern": API_PATH,
                    "target_origin_id": ALB_ORIGIN_ID,
                    "viewer_protocol_policy": "https-only",
                    "allowed_methods": ALL_METHODS,
                    "cached_methods": CACHED_METHODS,
                    "cache_policy_id": CACHING_DISABLED,
                    "origin_request_policy_id": ALL_VIEWER_EXCEPT_HOST_HEADER,
                    "response_headers_policy_id": headers.id,
                    "compress": True,
                },
                *[assets(f"/{prefix}*") for prefix in a.public_prefixes],
            ],
            viewer_certificate={
                "acm_certificate_arn": certificate_arn,
                "ssl_support_method": "sni-only",
                "minimum_protocol_version": s.minimum_protocol_version,
            },
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            opts=self._global,
        )

    # -- the data buckets and keys: only this distribution reads, only the public prefixes ----------------------
    def _grant_origin_read(self, distribution: aws.cloudfront.Distribution) -> None:
        a, n = self._args, self._name
        dr = pulumi.ResourceOptions(parent=self, provider=a.dr.provider)
        for suffix, bucket, region, opts in (
            ("assets", a.assets, a.region, self._child),
            ("replica", a.replica, a.dr, dr),
        ):
            aws.s3.BucketPolicy(
                f"{n}-{suffix}",
                bucket=bucket.name,
                policy=pulumi.Output.all(bucket.arn, distribution.arn).apply(
                    lambda v: assets_bucket_policy(v[0], v[1], a.public_prefixes)
                ),
                opts=opts,
            )
            aws.kms.KeyPolicy(
                f"{n}-{suffix}",
                key_id=bucket.key_id,
                policy=pulumi.Output.all(region.account_id, region.partition, distribution.arn).apply(
                    lambda v: assets_key_policy(v[0], v[1], v[2])
                ),
                opts=opts,
            )

    # -- standard logging (v2): CloudWatch Logs delivery from us-east-1 to the log bucket ----------------------
    def _create_access_logs(self, distribution: aws.cloudfront.Distribution) -> None:
        a, n = self._args, self._name
        source = aws.cloudwatch.LogDeliverySource(
            f"{n}-access-logs",
            name=f"{a.name_prefix}-cdn-access-logs",
            log_type="ACCESS_LOGS",
            resource_arn=distribution.arn,
            opts=self._global,
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{n}-access-logs",
            name=f"{a.name_prefix}-cdn-access-logs-s3",
            output_format="json",
            delivery_destination_configuration={"destination_resource_arn": a.log_bucket_arn},
            opts=self._global,
        )
        aws.cloudwatch.LogDelivery(
            f"{n}-access-logs",
            delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            opts=self._global,
        )
