"""Stage 3 of the offline preview: the recorded registrations as preview.json's document (secrets and
unknowns shown as "[secret]" and "[unknown]", each resource with the region its provider deploys it to and
the tier it belongs to)."""

from __future__ import annotations

from typing import Any

from tools.pack_modules import pack_module
from tools.preview.config import StackConfig
from tools.preview.record import Recorded
from tools.wire import SECRET_TEXT, redact


def build_document(monitor: Any, config: StackConfig, mode: str = "existing") -> dict[str, Any]:
    by_urn = {r.urn: r for r in monitor.recorded}
    tier_of = pack_module("costing").tier_of  # the pack's rule: its budget policy applies the same one
    resources = []
    for r in sorted(monitor.recorded, key=lambda r: r.urn):
        secret_inputs: set[str] = set()
        inputs = redact(r.raw_inputs, secret_inputs)
        secret_outputs: set[str] = set(secret_inputs) | set(r.additional_secret_outputs)
        outputs = redact(r.raw_outputs, secret_outputs)
        for key in secret_outputs:
            if key in outputs:
                outputs[key] = SECRET_TEXT
        provider = by_urn.get(r.provider) if r.provider else None
        region = _region_of(r, provider, config)
        resources.append(
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "tier": tier_of(_lineage(r, by_urn)),
                "provider": r.provider,
                "region": region,
                "custom": r.custom,
                "protect": r.protect,
                "retainOnDelete": r.retain_on_delete,
                "deleteBeforeReplace": r.delete_before_replace,
                "ignoreChanges": r.ignore_changes,
                "dependsOn": sorted(set(r.depends_on)),
                "propertyDependencies": {
                    k: sorted(set(v)) for k, v in sorted(r.property_dependencies.items())
                },
                "id": r.id if r.custom else None,
                "inputs": inputs,
                "secretInputs": sorted(secret_inputs),
                "outputs": outputs,
            }
        )
    stack_outputs = redact(monitor.stack_outputs)
    return {
        "stack": config.stack,
        "project": config.project,
        "mode": mode,
        "resources": resources,
        "outputs": stack_outputs,
        "policy": {"pack": None, "violations": []},
    }


def _region_of(r: Recorded, provider: Recorded | None, config: StackConfig) -> str | None:
    if not r.custom and not r.type.startswith("pulumi:providers:"):
        return None
    if isinstance(r.raw_inputs.get("region"), str):
        return r.raw_inputs["region"]
    if provider is not None and isinstance(provider.raw_inputs.get("region"), str):
        return provider.raw_inputs["region"]
    return config.values.get("aws:region")


def _lineage(r: Recorded, by_urn: dict[str, Recorded]) -> Any:
    """A recorded resource and its ancestors, nearest first, as the pack's tier rule reads them."""
    current: Recorded | None = r
    seen: set[str] = set()
    while current is not None and current.urn not in seen:  # the SDK builds a tree; this guards a cycle
        seen.add(current.urn)
        yield current.type, current.custom
        current = by_urn.get(current.parent or "")
