"""CDN tier settings: the CloudFront distribution in front of the assets bucket and the load balancer.

CloudFront values come from the CloudFront developer guide (price classes, supported viewer protocols).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .common import DNS_LABEL, LogRetentionDays, Model

_HOSTNAME = re.compile(rf"^({DNS_LABEL}\.)+[a-z]{{2,63}}$")


def _hostname(value: str) -> str:
    if not _HOSTNAME.match(value) or len(value) > 253:
        raise ValueError("must be a lowercase DNS host name like www.elitelocadora.com")
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return value
    raise ValueError("must be a DNS host name, not an IP address")


HostName = Annotated[str, AfterValidator(_hostname)]


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
