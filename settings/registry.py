"""Registry settings: the ECR repositories' image retention and replication (components/registry.py)."""

from __future__ import annotations

from pydantic import Field

from .common import Model


class RegistrySettings(Model):
    """ECR: how long images are kept and whether they are copied to the DR region."""

    untagged_expiry_days: int = Field(
        7,
        ge=1,
        le=365,
        description="Untagged images (layers of failed or superseded pushes) expire after this.",
    )
    keep_releases: int = Field(
        30, ge=1, le=1000, description="Tagged images kept per repository (the newest; older ones expire)."
    )
    replicate_to_dr: bool = Field(
        description=(
            "Replicate the repositories to the DR region (the guide's ECR image replication). ECR has ONE "
            "replication configuration per account and region: only one stack of an account may set it."
        )
    )
