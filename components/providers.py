"""The AWS providers every tier uses: created once here, passed in, never created ad hoc elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from settings import Settings

# CloudFront only accepts ACM certificates from us-east-1, and a CLOUDFRONT-scoped WAF web ACL is
# created there too, whatever the stack's primary region is.
GLOBAL_SERVICES_REGION = "us-east-1"


@dataclass(frozen=True)
class Providers:
    """Explicit providers, each tagging every taggable resource it creates with the stack's default tags."""

    primary: aws.Provider
    """The stack's primary region (`aws:region`): everything that serves traffic."""
    dr: aws.Provider
    """The disaster-recovery region: replicas, backup copies, replicated secrets."""
    us_east_1: aws.Provider
    """us-east-1, for CloudFront's certificate and its WAF web ACL."""


def create_providers(settings: Settings) -> Providers:
    tags = aws.ProviderDefaultTagsArgs(tags=settings.tags)

    def provider(name: str, region: str) -> aws.Provider:
        # The account is pinned in stack config: credentials of another account (prod's, when deploying staging)
        # fail every call before any is sent.
        return aws.Provider(name, region=region, default_tags=tags, allowed_account_ids=[settings.account_id])

    primary = provider("primary", settings.region)
    dr = provider("dr", settings.dr_region)
    global_ = (
        primary
        if settings.region == GLOBAL_SERVICES_REGION
        else provider("us-east-1", GLOBAL_SERVICES_REGION)
    )
    pulumi.log.debug(f"providers: primary={settings.region} dr={settings.dr_region}")
    return Providers(primary=primary, dr=dr, us_east_1=global_)
