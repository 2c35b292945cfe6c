"""Which Terraform resource type each Pulumi AWS type is bridged from, derived rather than listed.

pulumi-aws generates one class per Terraform resource and keeps its arguments (snake_case in Python, list blocks
pluralised). So the Terraform type of `aws:rds/instance:Instance` is the one whose attribute names best match the
arguments of `pulumi_aws.rds.Instance.get`, with the type's name tokens (module, class) breaking near-ties
(`aws_lb` and its alias `aws_alb` share every attribute; `lb/loadBalancer` names `lb`). Importing the pulumi_aws
modules is the slow part, so the derived pairs are cached per pulumi_aws and provider version.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

# Pulumi modules gather Terraform prefixes of other names; the tokens are the same service.
_TOKEN_ALIASES = {"db": "rds", "configuration": "config"}
# Not attributes of the Terraform resource: the SDK's own parameters, and v7's per-resource region.
_NOT_ARGS = {"resource_name", "id", "opts", "region"}


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def singular(name: str) -> str:
    name = name.rstrip("_")
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _tokens(words: list[str]) -> set[str]:
    # Short words are names, not plurals ("rds", "ecs").
    stems = (w if len(w) <= 3 else singular(w) for w in words if w)
    return {_TOKEN_ALIASES.get(w, w) for w in stems}


@cache
def pulumi_args(pulumi_type: str) -> tuple[str, ...]:
    """The Python argument names of a pulumi_aws resource's `get` (its state properties)."""
    module, cls = pulumi_type.split(":")[1].split("/")[0], pulumi_type.split(":")[2]
    mod = importlib.import_module(f"pulumi_aws.{module}" if module != "lambda" else "pulumi_aws.lambda_")
    get = getattr(mod, cls).get
    return tuple(p for p in inspect.signature(get).parameters if p not in _NOT_ARGS)


class TypeMap:
    def __init__(self, schema: dict[str, Any], cache_file: Path | None = None) -> None:
        self.schema = schema
        self.cache_file = cache_file
        self._attrs = {
            t: {singular(a) for a in (*s["block"].get("attributes", {}), *s["block"].get("block_types", {}))}
            for t, s in schema.items()
        }
        self._type_tokens = {t: _tokens(t.split("_")[1:]) for t in schema}
        self._cache: dict[str, tuple[str, float]] = {}
        if cache_file and cache_file.exists():
            self._cache = {k: (v[0], v[1]) for k, v in json.loads(cache_file.read_text()).items()}

    def save(self) -> None:
        if self.cache_file:
            self.cache_file.write_text(json.dumps(self._cache, indent=1, sort_keys=True))

    def tf_type(self, pulumi_type: str) -> str | None:
        """The Terraform type a Pulumi AWS type is bridged from (None for non-AWS or unknown types)."""
        if not pulumi_type.startswith("aws:") or pulumi_type.startswith("pulumi:"):
            return None
        if pulumi_type not in self._cache:
            self._cache[pulumi_type] = self._best(pulumi_type)
        return self._cache[pulumi_type][0]

    def _best(self, pulumi_type: str) -> tuple[str, float]:
        args = {singular(a) for a in pulumi_args(pulumi_type)} | {"id"}
        module, cls = pulumi_type.split(":")[1].split("/")[0], pulumi_type.split(":")[2]
        name_tokens = _tokens([module, *snake(cls).split("_")])
        scored = []
        for tf, attrs in self._attrs.items():
            overlap = len(args & attrs) / len(args | attrs)
            tf_tokens = self._type_tokens[tf]
            naming = len(name_tokens & tf_tokens) / len(name_tokens | tf_tokens)
            scored.append((overlap + naming, tf))
        scored.sort(reverse=True)
        return scored[0][1], scored[0][0]

    def attribute(self, tf_type: str, pulumi_key: str) -> str | None:
        """The Terraform attribute (or block) a Pulumi input key (camelCase) stands for."""
        block = self.schema[tf_type]["block"]
        names = [*block.get("attributes", {}), *block.get("block_types", {})]
        s = snake(pulumi_key)
        if s in names:
            return s
        by_singular = {singular(n): n for n in names}
        return by_singular.get(singular(s))
