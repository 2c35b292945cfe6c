"""The ``pulumi.runtime.Mocks`` the offline preview runs the program under: each registration and invoke is
answered as the engine and the AWS provider would, after noting which region (and default tags) each provider
was configured with.

With ``first_deploy=True`` the mocks answer as the engine does when it previews a stack that does not exist
yet: every id (providers' too) is unknown, and every attribute a provider computes (what the builders
add beyond the inputs: ARNs, endpoints, generated names, ``tagsAll``, ``id``) comes back as the engine's
unknown sentinel, so it resolves unknown in the program and flows, unknown, into the inputs that use it.
Inputs are echoed, as a provider's preview of a create plans them.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime.rpc import UNKNOWN

from tools.mocks.context import ACCOUNT_ID, Ctx, uuid_of
from tools.mocks.invokes import INVOKES
from tools.mocks.resources import build


class AwsMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes for the AWS, random and TLS providers."""

    def __init__(self, default_region: str, account_id: str = ACCOUNT_ID, first_deploy: bool = False) -> None:
        self.default_region = default_region
        self.account_id = account_id
        self.first_deploy = first_deploy
        # provider → the region (and default tags) it was configured with, keyed by its id and by its name:
        # on a first deploy a provider's id is unknown, so its references differ only in their URN.
        self._provider_regions: dict[str, str] = {}
        self._provider_tags: dict[str, dict[str, str]] = {}

    @staticmethod
    def _provider_keys(provider_ref: str) -> tuple[str, str]:
        """A provider reference is "<urn>::<id>"; the URN ends with the provider's name."""
        urn, _, pid = provider_ref.rpartition("::")
        return pid, "name:" + urn.rsplit("::", 1)[-1]

    def _provider_lookup(self, table: dict[str, Any], provider_ref: str, default: Any) -> Any:
        pid, name = self._provider_keys(provider_ref)
        if pid in table and pid != UNKNOWN:
            return table[pid]
        return table.get(name, default)

    # -- regions ---------------------------------------------------------------------------------------------
    def region_of(self, provider_ref: str | None, inputs: dict[str, Any] | None = None) -> str:
        if inputs and isinstance(inputs.get("region"), str):
            return inputs["region"]
        if provider_ref:
            return self._provider_lookup(self._provider_regions, provider_ref, self.default_region)
        return self.default_region

    # -- invokes ---------------------------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict | tuple[dict, list[tuple[str, str]]]:
        region = self.region_of(args.provider, args.args)
        handler = INVOKES.get(args.token)
        if handler is not None:
            return handler(self.account_id, args.args, region)
        raise NotImplementedError(
            f"the offline mocks have no answer for data source {args.token}: add one to tools/mocks/invokes.py"
        )

    # -- resources -------------------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = dict(args.inputs)
        typ = args.typ
        if typ.startswith("pulumi:providers:"):
            pid = uuid_of("provider", args.name)
            region = inputs.get("region") if isinstance(inputs.get("region"), str) else self.default_region
            tags = inputs.get("defaultTags")
            if isinstance(tags, str):
                try:
                    tags = json.loads(tags)
                except ValueError:
                    tags = {}
            tags = (tags or {}).get("tags") if isinstance(tags, dict) else {}
            for key in (pid, f"name:{args.name}"):
                self._provider_regions[key] = region
                self._provider_tags[key] = tags if isinstance(tags, dict) else {}
            # A provider created by this deployment has no id until it exists (the SDK then sends
            # "<urn>::<unknown>" as the reference, pulumi's FirstClassProviderUnknown test).
            return ("" if self.first_deploy else pid), inputs
        region = self.region_of(args.provider, inputs)
        ctx = Ctx(self.account_id, typ, args.name, inputs, region, self._tags_for(args.provider))
        if not self.first_deploy:
            return build(ctx)
        return "", first_deploy_state(inputs, ctx)

    def _tags_for(self, provider_ref: str | None) -> dict[str, str]:
        if not provider_ref:
            return {}
        return self._provider_lookup(self._provider_tags, provider_ref, {})


def first_deploy_state(inputs: dict[str, Any], ctx: Ctx) -> dict[str, Any]:
    """A create's planned state: the inputs as given, every attribute the provider computes unknown."""
    # A list in the builder's order, not a set: a set's order follows the process's string-hash seed, and the
    # state's key order is preview.json's, which two renders must write byte for byte alike.
    try:
        _, built = build(ctx)
        computed = [key for key in built if key not in inputs]
    except Exception:  # noqa: BLE001 - a builder reading an input that is itself unknown: id and ARN at least
        computed = ["id", "arn"]
    state = dict(inputs)
    for key in [*computed, "id"]:
        state[key] = UNKNOWN
    return state
