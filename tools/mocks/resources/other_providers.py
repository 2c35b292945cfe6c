"""Providers beyond AWS: random's generated values and the Pulumi Service provider's objects."""

from __future__ import annotations

from typing import Any

from tools.mocks.context import Builder, Ctx, digest, uuid_of


def _pulumi_service(c: Ctx) -> tuple[str, dict]:
    """Pulumi Cloud objects (the Pulumi Service provider): ids as the provider documents them for import."""
    i = c.inputs
    kind = c.typ.rsplit(":", 1)[-1]
    if kind == "DeploymentSettings":
        return f"{i.get('organization')}/{i.get('project')}/{i.get('stack')}", {}
    if kind == "OidcIssuer":
        return f"{i.get('organization')}/{uuid_of(c.seed)}", {}
    if kind == "PolicyGroup":
        return f"{i.get('organizationName')}/{i.get('name')}", {}
    if kind == "PolicyPack":
        return f"{i.get('organization')}/{i.get('name')}/{i.get('versionTag')}", {}
    return uuid_of(c.seed), {}


def _random(c: Ctx) -> tuple[str, dict]:
    """Deterministic stand-ins for generated values; they are secret outputs, so never shown in clear."""
    length = int(c.inputs.get("length") or c.inputs.get("byteLength") or 32)
    value = ("Offline" + digest(c.seed, n=64) * 2)[:length]
    out: dict[str, Any] = {"result": value}
    if c.typ == "random:index/randomPassword:RandomPassword":
        out["bcryptHash"] = "$2a$10$" + digest(c.seed, "bcrypt", n=53)
    if c.typ == "random:index/randomId:RandomId":
        out = {
            "hex": digest(c.seed, n=length * 2),
            "b64Url": digest(c.seed, n=length),
            "dec": str(int(digest(c.seed, n=12), 16)),
        }
    return uuid_of(c.seed), out


# Provider (the type token's first part) → the builder of all its resource types.
BY_PROVIDER: dict[str, Builder] = {
    "random": _random,
    "pulumiservice": _pulumi_service,
}
