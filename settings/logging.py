"""Log search settings: the Amazon OpenSearch Service domain the logs are shipped to (components/logging.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .common import LogRetentionDays, Model

# The OpenSearch Service instance types a log domain on gp3 EBS volumes can use, each with the largest gp3 volume
# AWS gives it in GiB (OpenSearch Service Developer Guide, "Quotas": EBS volume size quotas, read 2026-12).
# Current generations only; left out on purpose: the
# previous generations (they cost more for less, and T2 and R3 lack encryption at rest), and the types with
# instance storage only (i3, i4g, i4i, i7i, i8g, im4gn, r6gd, r7gd, oi2), which refuse an EBS volume.
SEARCH_INSTANCE_TYPES: dict[str, int] = {
    # t3
    "t3.small.search": 100,
    "t3.medium.search": 200,
    # m5
    "m5.large.search": 1024,
    "m5.xlarge.search": 2048,
    "m5.2xlarge.search": 3072,
    "m5.4xlarge.search": 6144,
    "m5.12xlarge.search": 18432,
    # m6g
    "m6g.large.search": 1024,
    "m6g.xlarge.search": 2048,
    "m6g.2xlarge.search": 3072,
    "m6g.4xlarge.search": 6144,
    "m6g.8xlarge.search": 12288,
    "m6g.12xlarge.search": 18432,
    # m7g
    "m7g.medium.search": 512,
    "m7g.large.search": 768,
    "m7g.xlarge.search": 2048,
    "m7g.2xlarge.search": 3072,
    "m7g.4xlarge.search": 6144,
    "m7g.8xlarge.search": 12288,
    "m7g.12xlarge.search": 18432,
    "m7g.16xlarge.search": 24576,
    # c5
    "c5.large.search": 256,
    "c5.xlarge.search": 512,
    "c5.2xlarge.search": 1024,
    "c5.4xlarge.search": 1536,
    "c5.9xlarge.search": 3584,
    "c5.18xlarge.search": 7168,
    # c6g
    "c6g.large.search": 256,
    "c6g.xlarge.search": 512,
    "c6g.2xlarge.search": 1024,
    "c6g.4xlarge.search": 1536,
    "c6g.8xlarge.search": 3072,
    "c6g.12xlarge.search": 4608,
    # c7g
    "c7g.large.search": 256,
    "c7g.xlarge.search": 512,
    "c7g.2xlarge.search": 1024,
    "c7g.4xlarge.search": 1536,
    "c7g.8xlarge.search": 3072,
    "c7g.12xlarge.search": 4608,
    "c7g.16xlarge.search": 6144,
    # r5
    "r5.large.search": 2048,
    "r5.xlarge.search": 3072,
    "r5.2xlarge.search": 6144,
    "r5.4xlarge.search": 12288,
    "r5.12xlarge.search": 24576,
    # r6g
    "r6g.large.search": 2048,
    "r6g.xlarge.search": 3072,
    "r6g.2xlarge.search": 6144,
    "r6g.4xlarge.search": 12288,
    "r6g.8xlarge.search": 16384,
    "r6g.12xlarge.search": 24576,
    # r7g
    "r7g.medium.search": 768,
    "r7g.large.search": 1536,
    "r7g.xlarge.search": 3072,
    "r7g.2xlarge.search": 6144,
    "r7g.4xlarge.search": 12288,
    "r7g.8xlarge.search": 16384,
    "r7g.12xlarge.search": 24576,
    "r7g.16xlarge.search": 36864,
    # or1
    "or1.medium.search": 768,
    "or1.large.search": 1532,
    "or1.xlarge.search": 3072,
    "or1.2xlarge.search": 6144,
    "or1.4xlarge.search": 12288,
    "or1.8xlarge.search": 16384,
    "or1.12xlarge.search": 24576,
    "or1.16xlarge.search": 36864,
    # or2
    "or2.medium.search": 768,
    "or2.large.search": 1532,
    "or2.xlarge.search": 3072,
    "or2.2xlarge.search": 6144,
    "or2.4xlarge.search": 12288,
    "or2.8xlarge.search": 16384,
    "or2.12xlarge.search": 24576,
    "or2.16xlarge.search": 36864,
}
# OR1 and OR2 keep their data in S3 and need a larger minimum volume (the same quota table).
_SEARCH_MIN_GIB = {"or1": 20, "or2": 20}


def _search_type(key: str, value: str) -> None:
    if value not in SEARCH_INSTANCE_TYPES:
        family = value.split(".", 1)[0]
        same = sorted(t for t in SEARCH_INSTANCE_TYPES if t.split(".", 1)[0] == family)
        raise ValueError(
            f"{key}: {value!r} is not an OpenSearch instance type a domain on gp3 EBS can use; "
            + (
                f"{family} offers {', '.join(same)}"
                if same
                else f"families: {', '.join(sorted({t.split('.', 1)[0] for t in SEARCH_INSTANCE_TYPES}))}"
            )
        )


class SearchSettings(Model):
    """The Amazon OpenSearch Service domain that replaces the guide's self-run ELK stack."""

    engine_version: str = Field(
        "OpenSearch_2.19", pattern=r"^OpenSearch_\d+\.\d+$", description="Engine, 'OpenSearch_X.Y'."
    )
    instance_type: str = Field(description="Data node type, like r6g.large.search.")
    instance_count: int = Field(ge=1, le=80, description="Data nodes; a multiple of availabilityZones.")
    availability_zones: Literal[1, 2, 3] = Field(
        description="AZs the data nodes spread over (zone awareness when 2 or 3)."
    )
    dedicated_master_type: str | None = Field(
        None, description="Dedicated master node type (prod: three of them); none in staging."
    )
    dedicated_master_count: Literal[3, 5] = Field(3, description="Dedicated masters: 3 or 5 (a quorum).")
    volume_size_gib: int = Field(ge=10, le=16384, description="gp3 EBS volume per data node, GiB.")
    index_rotation: Literal["OneHour", "OneDay", "OneWeek", "OneMonth"] = Field(
        "OneDay", description="How often Firehose starts a new index (old ones are dropped by age)."
    )
    domain_log_retention_days: LogRetentionDays = Field(
        90, description="Days the domain's own error logs stay in CloudWatch Logs."
    )
    audit_log_retention_days: LogRetentionDays = Field(
        365,
        description="Days the domain's audit logs (who read or changed what) stay in CloudWatch Logs; prod keeps "
        "them at least a year.",
    )
    failed_records_expiration_days: int = Field(
        30, ge=1, le=3650, description="Days records that could not be indexed stay in the S3 bucket."
    )

    @model_validator(mode="after")
    def _shape(self) -> SearchSettings:
        _search_type("instanceType", self.instance_type)
        if self.dedicated_master_type is not None:
            _search_type("dedicatedMasterType", self.dedicated_master_type)
        largest = SEARCH_INSTANCE_TYPES[self.instance_type]
        smallest = _SEARCH_MIN_GIB.get(self.instance_type.split(".", 1)[0], 10)
        if not smallest <= self.volume_size_gib <= largest:
            raise ValueError(
                f"volumeSizeGib: {self.volume_size_gib} GiB is outside what AWS gives {self.instance_type} on gp3 "
                f"({smallest} to {largest} GiB)"
            )
        if self.instance_count % self.availability_zones:
            raise ValueError(
                f"instanceCount: {self.instance_count} data nodes do not spread evenly over "
                f"{self.availability_zones} AZs; use a multiple of availabilityZones"
            )
        return self
