"""What every resource builder starts from: the account and partition, ids derived from a hash (so two renders
of the same program are byte-for-byte equal), and ``Ctx``, one resource with AWS's ARN and Pulumi's naming rules.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
# AWS's short region codes, as availability-zone ids ("use1-az1") and ElastiCache endpoints spell them.
REGION_CODE = {
    "us-east-1": "use1",
    "us-east-2": "use2",
    "us-west-1": "usw1",
    "us-west-2": "usw2",
    "eu-west-1": "euw1",
    "sa-east-1": "sae1",
}


def digest(*parts: str, n: int = 17) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:n]


def uuid_of(*parts: str) -> str:
    return str(uuid.UUID(hashlib.md5("\x00".join(parts).encode()).hexdigest()))


def upper_digest(*parts: str, n: int = 14) -> str:
    return digest(*parts, n=n).upper()


class Ctx:
    """One resource being built: its type, name, inputs, region and the provider's default tags."""

    def __init__(
        self, account_id: str, typ: str, name: str, inputs: dict, region: str, default_tags: dict
    ) -> None:
        self.typ, self.name, self.inputs, self.region = typ, name, inputs, region
        self.acct = account_id
        self.default_tags = default_tags
        self.seed = f"{typ}|{name}"

    def arn(self, service: str, resource: str, region: str | None = None, account: str | None = None) -> str:
        r = self.region if region is None else region
        a = self.acct if account is None else account
        return f"arn:{PARTITION}:{service}:{r}:{a}:{resource}"

    def auto_name(self, key: str = "name", limit: int | None = None) -> str:
        """Pulumi auto-naming: the logical name plus a random 7-character suffix (deterministic here)."""
        if isinstance(self.inputs.get(key), str):
            return self.inputs[key]
        prefix = self.inputs.get(f"{key}Prefix")
        value = (
            f"{prefix}{digest(self.seed, n=26)}"
            if isinstance(prefix, str)
            else f"{self.name}-{digest(self.seed, n=7)}"
        )
        return value[:limit] if limit else value


# A resource type's builder: its id and the attributes the provider computes.
Builder = Callable[[Ctx], tuple[str, dict]]


def opaque(prefix: str) -> Builder:
    """A resource AWS knows only by an id (an attachment, an association): nothing else to compute."""

    def build(c: Ctx) -> tuple[str, dict]:
        return f"{prefix}{digest(c.seed)}", {}

    return build


def named_arn(service: str, kind: str, sep: str = ":", key: str = "name") -> Builder:
    """A resource known by its name, its ARN ``<kind><sep><name>`` in its service."""

    def build(c: Ctx) -> tuple[str, dict]:
        name = c.auto_name(key)
        return name, {key: name, "arn": c.arn(service, f"{kind}{sep}{name}")}

    return build
