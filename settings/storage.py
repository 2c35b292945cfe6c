"""Storage and CDN tier settings: the assets bucket, its DR replica and lifecycle, and the CloudFront distribution.

Lifecycle limits come from the S3 user guide ("Transitioning objects using S3 Lifecycle": objects must stay 30
days in STANDARD before STANDARD_IA, and 30 more days in STANDARD_IA before a lifecycle rule may move them to
GLACIER); CloudFront values from the CloudFront developer guide (price classes, supported viewer protocols).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .common import LogRetentionDays, Model

# General purpose bucket naming rules (S3 user guide, "Bucket naming rules"); dots are refused on top of them
# because a dotted name breaks TLS on virtual-hosted-style endpoints (*.s3.amazonaws.com).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", "--x-s3", "--table-s3")


def _bucket_name(value: str) -> str:
    if not _BUCKET.match(value):
        raise ValueError(
            "must be an S3 bucket name: 3-63 lowercase letters, digits and hyphens, starting and ending with a "
            "letter or digit (no dots: they break TLS on virtual-hosted endpoints)"
        )
    if value.startswith(_RESERVED_PREFIXES) or value.endswith(_RESERVED_SUFFIXES):
        raise ValueError(
            f"S3 reserves the prefixes {', '.join(_RESERVED_PREFIXES)} and the suffixes "
            f"{', '.join(_RESERVED_SUFFIXES)}"
        )
    return value


BucketName = Annotated[str, AfterValidator(_bucket_name)]

_PREFIX = re.compile(r"^([a-z0-9][a-z0-9._-]*/)+$")


def _prefix(value: str) -> str:
    if not _PREFIX.match(value):
        raise ValueError("must be a key prefix of lowercase path segments ending in '/', like static/")
    return value


KeyPrefix = Annotated[str, AfterValidator(_prefix)]

# Personal data (licences, contracts, profile photos) and backups: never readable through the CDN.
PRIVATE_PREFIXES = ("customers/", "backups/")

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"^({_LABEL}\.)+[a-z]{{2,63}}$")


def _hostname(value: str) -> str:
    if not _HOSTNAME.match(value) or len(value) > 253:
        raise ValueError("must be a lowercase DNS host name like www.elitelocadora.com")
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return value
    raise ValueError("must be a DNS host name, not an IP address")


HostName = Annotated[str, AfterValidator(_hostname)]

_ORIGIN = re.compile(rf"^https://({_LABEL}\.)+[a-z]{{2,63}}$")


def _https_origin(value: str) -> str:
    if not _ORIGIN.match(value):
        raise ValueError(
            "must be an https:// origin without path or trailing slash, like https://app.elitelocadora.com"
        )
    return value


HttpsOrigin = Annotated[str, AfterValidator(_https_origin)]

StorageClass = Literal["STANDARD", "STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR"]


class StorageSettings(Model):
    assets_bucket_name: BucketName = Field(
        description="The assets bucket; the guide: elite-locadora-assets (S3 names are global)."
    )
    replica_bucket_name: BucketName = Field(
        description="Cross-region replica of the assets bucket, in the DR region."
    )
    public_prefixes: list[KeyPrefix] = Field(
        default_factory=lambda: ["static/", "vehicles/images/"],
        min_length=1,
        description="Prefixes CloudFront may read (the guide's public static/ plus vehicle photos).",
    )
    backup_prefixes: list[KeyPrefix] = Field(
        default_factory=lambda: ["backups/database/", "backups/application/"],
        min_length=1,
        description="Prefixes the backup lifecycle (IA, GLACIER, expiry) applies to.",
    )
    transition_to_ia_days: int = Field(
        30, ge=30, le=3650, description="Days before backups move to STANDARD_IA (S3 minimum: 30)."
    )
    transition_to_glacier_days: int = Field(
        90, ge=1, le=3650, description="Days before backups move to GLACIER (Flexible Retrieval)."
    )
    backup_expiration_days: int = Field(
        2555, ge=1, le=36500, description="Days backups are kept; the guide: 2555 (7 years)."
    )
    noncurrent_version_expiration_days: int = Field(
        ge=1, le=3650, description="Days an overwritten or deleted object version is kept."
    )
    abort_incomplete_multipart_days: int = Field(
        7, ge=1, le=365, description="Days before incomplete multipart uploads are aborted."
    )
    replica_storage_class: StorageClass = Field(
        "STANDARD", description="Storage class of replicated objects in the DR bucket."
    )
    cors_allowed_origins: list[HttpsOrigin] = Field(
        default_factory=list,
        description="Web origins whose pages may fetch assets cross-origin (fonts, images read by scripts): GET/HEAD.",
    )
    access_log_expiration_days: int = Field(
        ge=1, le=3650, description="Days S3 server access logs and CloudFront access logs are kept."
    )

    @model_validator(mode="after")
    def _layout(self) -> StorageSettings:
        for p in self.public_prefixes:
            for private in PRIVATE_PREFIXES:
                if p.startswith(private) or private.startswith(p):
                    raise ValueError(
                        f"publicPrefixes: {p} overlaps {private}, which holds personal data or backups and is "
                        "never readable through the CDN"
                    )
        if self.replica_bucket_name == self.assets_bucket_name:
            raise ValueError("replicaBucketName: must differ from assetsBucketName")
        if self.transition_to_glacier_days < self.transition_to_ia_days + 30:
            raise ValueError(
                f"transitionToGlacierDays: {self.transition_to_glacier_days} is less than 30 days after "
                f"transitionToIaDays ({self.transition_to_ia_days}); S3 keeps objects 30 days in STANDARD_IA "
                "before a lifecycle transition to GLACIER"
            )
        if self.backup_expiration_days <= self.transition_to_glacier_days:
            raise ValueError(
                f"backupExpirationDays: {self.backup_expiration_days} must be after transitionToGlacierDays "
                f"({self.transition_to_glacier_days})"
            )
        return self


# CloudFront viewer security policies with TLS 1.2 as the floor (CloudFront developer guide, "Supported
# protocols and ciphers between viewers and CloudFront").
ViewerTlsPolicy = Literal["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025", "TLSv1.2_2019", "TLSv1.2_2018"]
PriceClass = Literal["PriceClass_All", "PriceClass_200", "PriceClass_100"]


class CdnSettings(Model):
    aliases: list[HostName] | None = Field(
        None,
        description="Host names the distribution answers; default: www.<domain> and <domain> (the guide's).",
    )
    price_class: PriceClass = Field(
        description="Edge locations served; South America (our customers) is only in PriceClass_All."
    )
    minimum_protocol_version: ViewerTlsPolicy = Field(
        "TLSv1.2_2021", description="Viewer TLS policy; the guide: TLSv1.2_2021."
    )
    waf_rate_limit: int = Field(
        2000,
        ge=10,
        le=2_000_000_000,
        description="Requests per IP per 5 minutes before the CloudFront WAF blocks (the guide: 2000).",
    )
    waf_log_retention_days: LogRetentionDays = Field(description="Days the CloudFront WAF's logs are kept.")
    hsts_max_age_seconds: int = Field(
        63_072_000,
        ge=31_536_000,
        le=63_072_000,
        description="Strict-Transport-Security max-age (one to two years, as browsers' preload lists require).",
    )
    api_origin_read_timeout: int = Field(
        30,
        ge=1,
        le=60,
        description="Seconds CloudFront waits for the ALB origin (60 without a quota increase).",
    )

    @model_validator(mode="after")
    def _unique(self) -> CdnSettings:
        if self.aliases is not None and (not self.aliases or len(set(self.aliases)) != len(self.aliases)):
            raise ValueError("aliases: give at least one host name, each once")
        return self
