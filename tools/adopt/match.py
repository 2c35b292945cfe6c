"""Matching Terraform resources to the render's, and the provider's verdict on each pair.

A pair is found, in this order of confidence:
1. identity: same Terraform type, same region, a naming attribute equal (identifier, bucket, name, CIDR...) and
   every qualifier both sides know equal (VPC, zone, cluster, subnet... once those are matched); a resource
   without a naming attribute matches on qualifiers alone when exactly one candidate fits;
2. reference: a matched pair's inputs point at two unmatched resources of the same type (a NAT gateway's
   allocation ID pairs its Elastic IPs, an association's route table pairs the route tables);
3. renamed: the names are equal once the Terraform environment (`Environment` tag) reads as the stack's;
4. role: the only unmatched resource of its type and region on both sides (primary vs replica kept apart).
Two resources claiming the same counterpart by name is an error: the state or the program is ambiguous.

The verdict comes from the Terraform AWS provider itself (terraform.Provider.plan): the inputs the program sets
that differ from the state are planned; a replace path on one of them means `pulumi up` would replace it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tools.mocks.context import ACCOUNT_ID as MOCK_ACCOUNT

from .render import PulumiResource
from .terraform import Change, Provider, configurable
from .tfstate import AdoptError, TfResource
from .typemap import TypeMap, singular, snake

NAMING = (
    "identifier", "replication_group_id", "bucket", "domain_name", "name", "alarm_name", "family", "cidr_block",
)  # fmt: skip
QUALIFIERS = (
    "vpc_id", "availability_zone", "type", "zone_id", "cluster", "cluster_name", "log_group_name", "role",
    "subnet_id", "route_table_id", "destination_cidr_block", "repository", "scalable_dimension", "scope",
    "load_balancer_arn", "listener_arn", "allocation_id",
)  # fmt: skip
# What tells two resources of one type apart when only their role can pair them.
ROLE_KEYS = ("replicate_source_db", "port", "scope", "protocol", "load_balancer_type")
SECRET, UNKNOWN = "[secret]", "[unknown]"
# Changes the provider plans in place but AWS refuses: a read replica cannot be pointed at another source
# (ModifyDBInstance has no source parameter; the provider would promote it and fail to re-attach it).
AWS_REFUSES_IN_PLACE = {"aws_db_instance": {"replicate_source_db"}}


@dataclass
class Pair:
    tf: TfResource
    pulumi: PulumiResource
    how: str  # why they were paired, for the report
    verdict: str = "adopt"  # adopt | replace | review
    forcing: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # attribute → (state, program)
    updates: list[str] = field(default_factory=list)  # in-place updates `pulumi up` would make after import
    new_refs: dict[str, str] = field(
        default_factory=dict
    )  # attribute → the new/replaced resource it points at
    error: str | None = None


@dataclass
class Result:
    pairs: list[Pair]
    unmanaged: list[tuple[TfResource, str]]
    new: list[PulumiResource]
    tf_env: str | None
    stack_env: str | None
    components: list[PulumiResource] = field(default_factory=list)


def _nonempty(v: Any) -> bool:
    return v not in (None, "", [], {})


class Matcher:
    def __init__(
        self, tf: list[TfResource], render: dict[str, PulumiResource], typemap: TypeMap, provider: Provider
    ) -> None:
        self.tf = tf
        self.typemap = typemap
        self.provider = provider
        self.schema = provider.schema()
        self.components = [p for p in render.values() if not p.custom and not p.type.startswith("pulumi:")]
        self.candidates = [
            p for p in render.values() if p.custom and p.type.startswith("aws:") and typemap.tf_type(p.type)
        ]
        self.by_tf_type: dict[str, list[PulumiResource]] = {}
        for p in self.candidates:
            self.by_tf_type.setdefault(typemap.tf_type(p.type) or "", []).append(p)
        accounts = Counter(
            a["arn"].split(":")[4]
            for t in tf
            for a in [t.attributes]
            if isinstance(a.get("arn"), str) and a["arn"].count(":") >= 5 and a["arn"].split(":")[4].isdigit()
        )
        self.account = accounts.most_common(1)[0][0] if accounts else None
        # Every value the mocks made up for a render resource (id, ARN, names AWS derives) → that resource.
        # A resource's own ID and ARN first: an alias also outputs its key's ARN, and the key is what it means.
        self.mock_values: dict[str, PulumiResource] = {}
        for own in (True, False):
            for p in render.values():
                for v in [p.mock_id, p.outputs.get("arn")] if own else list(p.outputs.values()):
                    made_up = isinstance(v, str) and len(v) >= 8 and v not in (SECRET, UNKNOWN)
                    if made_up and v not in p.inputs.values():
                        self.mock_values.setdefault(v, p)
        if self.account:  # values are compared after the account is the state's: find them that way too
            for v, p in list(self.mock_values.items()):
                if MOCK_ACCOUNT in v:
                    self.mock_values.setdefault(v.replace(MOCK_ACCOUNT, self.account), p)
        self.tf_env = _common_tag(tf, "Environment")
        self.stack_env = _common_tag_pulumi(self.candidates, "Environment")
        self.pairs: dict[str, Pair] = {}  # tf address → pair
        self._planned: dict[tuple[str, str], Change] = {}
        self.taken: dict[str, str] = {}  # pulumi urn → tf address

    # -- values ---------------------------------------------------------------------------------------------
    def _subst(self, adopted_only: bool) -> list[tuple[str, str]]:
        """(made-up value, real value) for every paired resource (adopted ones only, for the verdicts)."""
        out: dict[str, str] = {}
        for pair in self.pairs.values():
            if adopted_only and pair.verdict != "adopt":
                continue
            p, t = pair.pulumi, pair.tf
            if p.mock_id and isinstance(t.attributes.get("id"), str) and p.mock_id not in p.inputs.values():
                out[p.mock_id] = t.attributes["id"]
            for k, v in p.outputs.items():
                real = t.attributes.get(snake(k))
                if isinstance(v, str) and isinstance(real, str) and v and real and v not in p.inputs.values():
                    out.setdefault(v, real)
        return sorted(out.items(), key=lambda kv: -len(kv[0]))

    def _resolve(self, value: Any, subst: list[tuple[str, str]]) -> Any:
        if isinstance(value, str):
            for mock, real in subst:
                if mock == value:
                    value = real
                elif _generated(mock) and mock in value:
                    value = value.replace(mock, real)
            if self.account and MOCK_ACCOUNT in value:
                value = value.replace(MOCK_ACCOUNT, self.account)
            return value
        if isinstance(value, list):
            return [self._resolve(v, subst) for v in value]
        if isinstance(value, dict):
            return {k: self._resolve(v, subst) for k, v in value.items()}
        return value

    def _unresolved(self, value: Any) -> PulumiResource | None:
        """The render resource a value still points at (a made-up ID or ARN left after resolving)."""
        if isinstance(value, str):
            if value in self.mock_values:
                return self.mock_values[value]
            for mock, p in self.mock_values.items():
                if _generated(mock) and mock in value:
                    return p
            return None
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
        for v in items:
            if found := self._unresolved(v):
                return found
        return None

    def wanted(self, pair_tf: TfResource, p: PulumiResource, subst: list[tuple[str, str]]) -> dict[str, Any]:
        """The program's inputs as Terraform attributes of the state's type (secrets and unknowns left out)."""
        block = self.schema[pair_tf.type]["block"]
        out: dict[str, Any] = {}
        for key, value in p.inputs.items():
            attr = self.typemap.attribute(pair_tf.type, key)
            if attr is None or _contains(value, SECRET) or _contains(value, UNKNOWN):
                continue
            out[attr] = _to_tf(block, attr, self._resolve(value, subst))
        return out

    # -- matching -------------------------------------------------------------------------------------------
    def _region_ok(self, t: TfResource, p: PulumiResource) -> bool:
        return t.region is None or p.region is None or t.region == p.region

    def _free(self, tf_type: str, t: TfResource) -> list[PulumiResource]:
        return [
            p for p in self.by_tf_type.get(tf_type, []) if p.urn not in self.taken and self._region_ok(t, p)
        ]

    def _pair(self, t: TfResource, p: PulumiResource, how: str) -> None:
        self.pairs[t.address] = Pair(t, p, how)
        self.taken[p.urn] = t.address

    def _identity(self) -> bool:
        subst = self._subst(adopted_only=False)
        found = False
        claims: dict[str, list[tuple[TfResource, str]]] = {}
        for t in self.tf:
            if t.address in self.pairs or not t.is_aws or t.type not in self.by_tf_type:
                continue
            named, qualified = [], []
            for p in self._free(t.type, t):
                want = self.wanted(t, p, subst)
                naming = [a for a in NAMING if _nonempty(want.get(a)) and _nonempty(t.attributes.get(a))]
                quals = [
                    a
                    for a in QUALIFIERS
                    if _nonempty(want.get(a))
                    and _nonempty(t.attributes.get(a))
                    and not self._unresolved(want[a])
                ]
                if any(not _equal(t.attributes[a], want[a]) for a in quals):
                    continue
                equal_names = [a for a in naming if _equal(t.attributes[a], want[a])]
                if equal_names:
                    named.append((p, ", ".join(f"{a}={_short(t.attributes[a])}" for a in equal_names)))
                elif not naming and quals:
                    qualified.append((p, ", ".join(f"{a}={_short(t.attributes[a])}" for a in quals)))
            if len(named) > 1:
                raise AdoptError(
                    f"{t.address} is matched twice: by {named[0][1]} it is both {named[0][0].urn} and {named[1][0].urn}"
                )
            if named:
                claims.setdefault(named[0][0].urn, []).append((t, f"identity ({named[0][1]})"))
            elif len(qualified) == 1:
                claims.setdefault(qualified[0][0].urn, []).append((t, f"identity ({qualified[0][1]})"))
        by_urn = {p.urn: p for p in self.candidates}
        for urn, who in claims.items():
            if len(who) > 1:
                raise AdoptError(
                    f"{urn} is matched twice: by {who[0][0].address} and {who[1][0].address} ({who[0][1]}, {who[1][1]})"
                )
            self._pair(who[0][0], by_urn[urn], who[0][1])
            found = True
        return found

    def _references(self) -> bool:
        found = False
        tf_by_id: dict[str, TfResource] = {}
        for t in self.tf:
            for k in ("id", "arn"):
                if isinstance(t.attributes.get(k), str):
                    tf_by_id.setdefault(t.attributes[k], t)
        for pair in list(self.pairs.values()):
            for key, value in pair.pulumi.inputs.items():
                if not isinstance(value, str) or value not in self.mock_values:
                    continue
                p2 = self.mock_values[value]
                attr = self.typemap.attribute(pair.tf.type, key)
                t2 = tf_by_id.get(pair.tf.attributes.get(attr or "") or "")
                if (
                    t2 is None
                    or t2.address in self.pairs
                    or p2.urn in self.taken
                    or self.typemap.tf_type(p2.type) != t2.type
                    or not self._region_ok(t2, p2)
                ):
                    continue
                self._pair(t2, p2, f"reference ({pair.tf.address}.{attr} points at both)")
                found = True
        return found

    def _renamed(self) -> bool:
        if not (self.tf_env and self.stack_env and self.tf_env != self.stack_env):
            return False
        found = False
        for t in self.tf:
            if t.address in self.pairs or t.type not in self.by_tf_type:
                continue
            hits = []
            for p in self._free(t.type, t):
                want = self.wanted(t, p, [])
                for a in NAMING:
                    old = t.attributes.get(a)
                    if (
                        isinstance(old, str)
                        and old
                        and old.replace(self.tf_env, self.stack_env) == want.get(a) != old
                    ):
                        hits.append((p, f"renamed ({a} {old} → {want[a]})"))
                        break
            if len(hits) == 1:
                self._pair(t, hits[0][0], hits[0][1])
                found = True
        return found

    def _role(self) -> bool:
        found = False

        def signature(values: dict[str, Any]) -> tuple:
            return tuple(
                bool(values.get(k)) if k == "replicate_source_db" else str(values.get(k)) for k in ROLE_KEYS
            )

        for t in self.tf:
            if t.address in self.pairs or t.type not in self.by_tf_type:
                continue
            same_tf = [
                o
                for o in self.tf
                if o.type == t.type and o.address not in self.pairs and o.region == t.region
                and signature(o.attributes) == signature(t.attributes)
            ]  # fmt: skip
            free = [
                p
                for p in self._free(t.type, t)
                if signature(self.wanted(t, p, [])) == signature(t.attributes)
            ]
            if len(same_tf) == 1 and len(free) == 1:
                self._pair(t, free[0], f"role (the only {t.type} of its kind in {t.region or 'the account'})")
                found = True
        return found

    def match(self) -> None:
        def settle() -> None:
            while self._identity() | self._references():
                pass

        settle()
        for step in (self._renamed, self._role):
            if step():
                settle()

    # -- verdicts -------------------------------------------------------------------------------------------
    def judge(self) -> None:
        """Ask the provider, until stable: a replaced resource makes the values that point at it new too."""
        for _ in range(6):
            subst = self._subst(adopted_only=True)
            items, pairs = [], []
            for pair in self.pairs.values():
                want = self.wanted(pair.tf, pair.pulumi, subst)
                diffs = {a: v for a, v in want.items() if not _equal(pair.tf.attributes.get(a), v)}
                pair.new_refs = {
                    a: p.name for a, v in diffs.items() if (p := self._unresolved(v)) is not None
                }
                if not diffs:
                    pair.verdict, pair.forcing, pair.updates, pair.error = "adopt", {}, [], None
                    continue
                block = self.schema[pair.tf.type]["block"]
                merged = {a: _merge(pair.tf.attributes.get(a), v) for a, v in diffs.items()}
                cfg = configurable(block, merged)
                config = {a: cfg.get(a, merged[a]) for a in diffs if a not in ("id", "tags_all")}
                # A secret input is not compared (its value is not in the render), but the provider may require
                # it: the state's value stands in, or a placeholder where the state keeps none.
                for key, value in pair.pulumi.inputs.items():
                    attr = self.typemap.attribute(pair.tf.type, key)
                    if attr and _contains(value, SECRET) and attr not in config:
                        # 32 letters and digits: within every length and charset rule the provider checks.
                        config[attr] = pair.tf.attributes.get(attr) or "NotComparedSecretPlaceholder0123"
                # Naming attributes are often optional+computed (left out by `configurable`) yet one of a group the
                # provider requires: the state's value keeps the configuration valid without changing the plan.
                settable = {
                    a
                    for a, spec in block.get("attributes", {}).items()
                    if not spec.get("computed") or spec.get("optional")
                }
                for attr in NAMING:
                    if attr not in config and attr in settable and _nonempty(pair.tf.attributes.get(attr)):
                        config[attr] = pair.tf.attributes[attr]
                items.append((pair.tf, config))
                pairs.append((pair, diffs))
            # Only what changed since the last round goes back to the provider (a plan costs seconds).
            keys = [(t.address, json.dumps(c, sort_keys=True, default=str)) for t, c in items]
            todo = [i for i, k in enumerate(keys) if k not in self._planned]
            for i, change in zip(
                todo, self.provider.plan([items[i] for i in todo]) if todo else [], strict=True
            ):
                self._planned[keys[i]] = change
            changes: list[Change] = [self._planned[k] for k in keys]
            before = {a: p.verdict for a, p in self.pairs.items()}
            for (pair, diffs), change in zip(pairs, changes, strict=True):
                if change.error:
                    pair.verdict, pair.error = "review", change.error
                    continue
                forced = {str(path[0]) for path in change.replace_paths if path and str(path[0]) in diffs}
                forced |= {
                    a
                    for a in AWS_REFUSES_IN_PLACE.get(pair.tf.type, ())
                    if a in diffs and _nonempty(pair.tf.attributes.get(a)) and _nonempty(diffs[a])
                }
                pair.forcing = {a: (pair.tf.attributes.get(a), diffs[a]) for a in sorted(forced)}
                pair.updates = sorted(a for a in diffs if a in change.changed and a not in forced)
                pair.verdict = "replace" if forced else "adopt"
                pair.error = None
            if before == {a: p.verdict for a, p in self.pairs.items()}:
                return

    def result(self) -> Result:
        unmanaged = []
        for t in self.tf:
            if t.address in self.pairs:
                continue
            if not t.is_aws:
                reason = f"another provider ({t.provider})"
            elif t.type not in self.by_tf_type:
                reason = f"this program has no {t.type}"
            else:
                reason = f"no {t.type} of the program matches it (by name, reference or role)"
            unmanaged.append((t, reason))
        new = [p for p in self.candidates if p.urn not in self.taken]
        pairs = sorted(self.pairs.values(), key=lambda p: p.tf.address)
        return Result(pairs, unmanaged, new, self.tf_env, self.stack_env, self.components)


# -- value helpers ----------------------------------------------------------------------------------------------
_GENERATED = re.compile(r"^(arn:|[a-z]+-[0-9a-f]{8,}$)")


def _generated(value: str) -> bool:
    """An ARN or an AWS-style generated ID (vpc-…, sg-…): safe to find inside longer strings (policies, URLs)."""
    return bool(_GENERATED.match(value))


def _contains(value: Any, marker: str) -> bool:
    if isinstance(value, str):
        return value == marker
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return any(_contains(v, marker) for v in items)


def _spec(block: dict[str, Any], attr: str) -> tuple[str, Any]:
    if attr in (block.get("attributes") or {}):
        return "attribute", block["attributes"][attr]
    return "block", block["block_types"][attr]


def _name_in(block: dict[str, Any], key: str) -> str | None:
    names = [*(block.get("attributes") or {}), *(block.get("block_types") or {})]
    s = snake(key)
    if s in names:
        return s
    return {singular(n): n for n in names}.get(singular(s))


def _to_tf(block: dict[str, Any], attr: str, value: Any) -> Any:
    """A Pulumi input value in the shape the Terraform attribute or block has."""
    kind, spec = _spec(block, attr)
    if kind == "block":
        inner = spec["block"]
        items = value if isinstance(value, list) else [value]
        return [_block_to_tf(inner, v) if isinstance(v, dict) else v for v in items]
    return _typed(spec.get("type"), value)


def _block_to_tf(block: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in value.items():
        name = _name_in(block, k)
        if name is not None:
            out[name] = _to_tf(block, name, v)
    return out


def _typed(tf_type: Any, value: Any) -> Any:
    if isinstance(tf_type, list) and tf_type and tf_type[0] in ("list", "set") and isinstance(value, list):
        return [_typed(tf_type[1], v) for v in value]
    if isinstance(tf_type, list) and tf_type and tf_type[0] == "object" and isinstance(value, dict):
        return {snake(k): _typed(tf_type[1].get(snake(k)), v) for k, v in value.items()}
    return value  # maps keep their keys (tags), scalars stay


def _merge(old: Any, new: Any) -> Any:
    """The program's value laid over the state's (nested blocks keep what the program does not set)."""
    one_block = isinstance(old, list) and isinstance(new, list) and len(old) == len(new) == 1
    if one_block and isinstance(old[0], dict) and isinstance(new[0], dict):
        return [_merge(old[0], new[0])]
    if isinstance(old, dict) and isinstance(new, dict) and isinstance(old.get(next(iter(new), "")), list):
        return {**old, **{k: _merge(old.get(k), v) for k, v in new.items()}}  # a block's body
    return new  # a map (tags) or a scalar: the program's value is the whole value


def _norm(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip()
        if s[:1] in "{[":
            try:
                return _norm(json.loads(s))
            except ValueError:
                return v
        return s
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items() if _nonempty(x)}
    if isinstance(v, list):
        return [_norm(x) for x in v]
    return v


def _equal(old: Any, new: Any) -> bool:
    """Does the program's value (new) say what the state holds (old)? Keys the program leaves out are the state's."""
    a, b = _norm(old), _norm(new)
    if not _nonempty(b):
        return not _nonempty(a)
    if isinstance(a, dict) and isinstance(b, dict):
        return all(_equal(a.get(k), v) for k, v in b.items())
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        if all(_equal(x, y) for x, y in zip(a, b, strict=True)):
            return True
        key = lambda x: json.dumps(x, sort_keys=True, default=str)  # noqa: E731 (sets: order does not matter)
        return sorted(map(key, a)) == sorted(map(key, b))
    return str(a) == str(b)


def _short(v: Any, n: int = 60) -> str:
    s = v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)
    return s if len(s) <= n else s[: n - 1] + "…"


def _common_tag(tf: list[TfResource], key: str) -> str | None:
    seen = Counter(
        (t.attributes.get("tags_all") or {}).get(key)
        for t in tf
        if (t.attributes.get("tags_all") or {}).get(key)
    )
    return seen.most_common(1)[0][0] if seen else None


def _common_tag_pulumi(ps: list[PulumiResource], key: str) -> str | None:
    seen = Counter(
        (p.outputs.get("tagsAll") or {}).get(key) for p in ps if (p.outputs.get("tagsAll") or {}).get(key)
    )
    return seen.most_common(1)[0][0] if seen else None
