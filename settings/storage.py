"""Storage tier settings: the assets bucket, its DR replica and lifecycle (the CDN in front of it: cdn.py).

Lifecycle limits come from the S3 user guide ("Transitioning objects using S3 Lifecycle": objects must stay 30
days in STANDARD before STANDARD_IA, and 30 more days in STANDARD_IA before a lifecycle rule may move them to
GLACIER).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .common import DNS_LABEL, Model

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

_ORIGIN = re.compile(rf"^https://({DNS_LABEL}\.)+[a-z]{{2,63}}$")


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
    seed_from_bucket: BucketName | None = Field(
        None,
        description=(
            "Taking over (docs/migration.md § Assets): the bucket whose existing objects S3 Batch Operations "
            "carries over, with a role it runs as: copied from it into the assets bucket, or, when it is the "
            "adopted assets bucket itself, batch-replicated to the DR replica (live replication skips objects "
            "older than the replication rule)."
        ),
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
