"""Edge tier settings: the Application Load Balancer, its TLS policy and the regional WAF."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .common import LogRetentionDays, Model

# Elastic Load Balancing's predefined HTTPS policies that negotiate TLS 1.2 or newer only (ELB user guide,
# "Security policies for your Application Load Balancer"). Anything else still offers TLS 1.0/1.1.
TLS12_SSL_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)
SslPolicy = Literal[TLS12_SSL_POLICIES]  # type: ignore[valid-type]


class EdgeSettings(Model):
    ssl_policy: SslPolicy = Field(
        "ELBSecurityPolicy-TLS13-1-2-2021-06", description="HTTPS listener policy; TLS 1.2 or newer only."
    )
    deletion_protection: bool = Field(description="ALB deletion protection; required in prod.")
    origin_subdomain: str = Field(
        "origin",
        pattern=r"^[a-z0-9-]{1,63}$",
        description=(
            "The ALB's name for CloudFront: <originSubdomain>.<domain>. Not a public name: only CloudFront, "
            "carrying the origin-verification header, gets through."
        ),
    )
    web_health_check_path: str = Field(
        "/health", pattern=r"^/", description="nginx health endpoint of the web tasks."
    )
    api_health_check_path: str = Field(
        "/up", pattern=r"^/", description="Laravel's health route (Laravel 11: /up)."
    )
    waf_rate_limit: int = Field(
        2000,
        ge=10,
        le=2_000_000_000,
        description=(
            "Requests per client per 5 minutes before the ALB's WAF blocks (the guide: 2000); the client is the "
            "first X-Forwarded-For address, since everything reaches the ALB through CloudFront."
        ),
    )
    upload_paths: list[Annotated[str, Field(pattern=r"^/api/[A-Za-z0-9._~/-]*$", max_length=200)]] = Field(
        default_factory=lambda: ["/api/uploads/"],
        min_length=1,
        max_length=5,
        description=(
            "URI path prefixes of the API's upload routes: the only places a body over 8 KB passes both WAFs "
            "(the Common Rule Set's SizeRestrictions_BODY blocks it everywhere else)."
        ),
    )
    upload_max_bytes: int = Field(
        10 * 1024 * 1024,
        ge=8 * 1024 + 1,
        le=5 * 1024**3,
        description="The API's upload limit in bytes; the WAFs block upload requests declaring a larger Content-Length.",
    )
    log_retention_days: LogRetentionDays = Field(description="Days WAF logs are kept.")
    access_log_expiration_days: int = Field(ge=1, le=3650, description="Days ALB access logs are kept in S3.")
