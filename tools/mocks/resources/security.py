"""Keys and secrets: KMS keys and aliases, SSM parameters, Secrets Manager."""

from __future__ import annotations

from tools.mocks.context import Builder, Ctx, digest, uuid_of


def _kms_key(c: Ctx) -> tuple[str, dict]:
    rid = uuid_of(c.seed)
    return rid, {
        "keyId": rid,
        "arn": c.arn("kms", f"key/{rid}"),
        # AWS's defaults when the program sets none; a key created asymmetric (DNSSEC's) keeps what it asked for.
        "keyUsage": c.inputs.get("keyUsage") or "ENCRYPT_DECRYPT",
        "customerMasterKeySpec": c.inputs.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT",
    }


def _kms_alias(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    return name, {
        "arn": c.arn("kms", name),
        "targetKeyArn": c.arn("kms", f"key/{c.inputs.get('targetKeyId')}"),
    }


def _ssm_parameter(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    path = name if name.startswith("/") else f"/{name}"
    return name, {
        "name": name,
        "arn": c.arn("ssm", f"parameter{path}"),
        "version": 1,
        "tier": c.inputs.get("tier") or "Standard",
    }


def _secret(c: Ctx) -> tuple[str, dict]:
    name = c.auto_name()
    arn = c.arn("secretsmanager", f"secret:{name}-{digest(c.seed, n=6)}")
    return arn, {"name": name, "arn": arn}


def _secret_version(c: Ctx) -> tuple[str, dict]:
    vid = uuid_of(c.seed)
    return f"{c.inputs.get('secretId')}|{vid}", {"versionId": vid, "arn": c.inputs.get("secretId")}


# Type token → builder for KMS (replica keys as keys), SSM and Secrets Manager.
BUILDERS: dict[str, Builder] = {
    "aws:kms/key:Key": _kms_key,
    "aws:kms/replicaKey:ReplicaKey": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:ssm/parameter:Parameter": _ssm_parameter,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
}
