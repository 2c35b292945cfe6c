"""The engine's wire format, shared by the offline preview (tools/preview) and the analyzer driver
(tools/analyzer.py): the signatures the SDK and the engine mark special values with, and the conversions
from engine values to what preview.json shows and to what an analyzer receives.

The signatures are the SDK's (pulumi/runtime/rpc.py) and the engine's (sdk/go/common/resource/plugin/rpc.go).
"""

from __future__ import annotations

from typing import Any

SPECIAL_SIG = "4dabf18193072939515e22adb298388d"  # the key that marks a special value
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # a value not known until the resource exists

# How preview.json shows them.
SECRET_TEXT = "[secret]"
UNKNOWN_TEXT = "[unknown]"


def from_value(v: Any) -> Any:
    """protobuf Value → Python, keeping the SDK's signature objects (secrets, unknowns) as they are."""
    from google.protobuf import json_format

    return integral(json_format.MessageToDict(v) if hasattr(v, "ListFields") else v)


def integral(value: Any) -> Any:
    """protobuf Struct carries every number as a double; give whole numbers back their int type."""
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def redact(value: Any, secret_paths: set[str] | None = None, path: str = "") -> Any:
    """Engine values → JSON for preview.json: secrets become "[secret]", unknowns "[unknown]"."""
    if isinstance(value, dict):
        sig = value.get(SPECIAL_SIG)
        if sig == SECRET_SIG:
            if secret_paths is not None:
                secret_paths.add(path.split(".")[0].split("[")[0])
            return SECRET_TEXT
        if sig == RESOURCE_SIG:
            return value.get("id") or value.get("urn")
        if sig in (ASSET_SIG, ARCHIVE_SIG):
            return {k: v for k, v in value.items() if k != SPECIAL_SIG}
        if sig == OUTPUT_SIG:
            if value.get("secret"):
                if secret_paths is not None:
                    secret_paths.add(path.split(".")[0].split("[")[0])
                return SECRET_TEXT
            return redact(value.get("value", UNKNOWN_TEXT), secret_paths, path)
        return {k: redact(v, secret_paths, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secret_paths, f"{path}[{i}]") for i, v in enumerate(value)]
    if value == UNKNOWN:
        return UNKNOWN_TEXT
    return value


def for_analyzer(value: Any) -> Any:
    """Engine values → what the engine hands an analyzer: resource references as their ids, the rest as is."""
    if isinstance(value, dict):
        sig = value.get(SPECIAL_SIG)
        if sig == RESOURCE_SIG:
            return value.get("id") or value.get("urn")
        if sig == OUTPUT_SIG:
            inner = value.get("value", UNKNOWN)
            return (
                {SPECIAL_SIG: SECRET_SIG, "value": for_analyzer(inner)}
                if value.get("secret")
                else for_analyzer(inner)
            )
        return {k: for_analyzer(v) for k, v in value.items()}
    if isinstance(value, list):
        return [for_analyzer(v) for v in value]
    return value
