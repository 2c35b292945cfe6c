"""The estimate engine: the pricing-rule registry, the context a rule reads the stack through, and `estimate`,
which prices every resource (a line each), lists the unpriced ones and counts the free ones."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from .model import UNKNOWN, Resource, canonical
from .prices import MissingPrice, PriceBook
from .usage import Usage


@dataclass
class Line:
    urn: str
    type: str
    name: str
    tier: str
    region: str | None
    monthly: float
    basis: str


@dataclass
class Estimate:
    currency: str
    monthly: float
    lines: list[Line]
    unpriced: list[dict[str, str]]
    free: int
    usage: Usage
    prices_file: str = ""
    prices_read: str = ""
    free_by_tier: dict[str, int] = field(default_factory=dict)

    def by_tier(self) -> list[dict[str, Any]]:
        tiers: dict[str, dict[str, Any]] = {}
        for line in self.lines:
            t = tiers.setdefault(line.tier, {"tier": line.tier, "monthly": 0.0, "resources": 0})
            t["monthly"] += line.monthly
            t["resources"] += 1
        for u in self.unpriced:
            t = tiers.setdefault(u["tier"], {"tier": u["tier"], "monthly": 0.0, "resources": 0})
            t["unpriced"] = t.get("unpriced", 0) + 1
        for tier, n in self.free_by_tier.items():
            t = tiers.setdefault(tier, {"tier": tier, "monthly": 0.0, "resources": 0})
            t["free"] = n
        out = sorted(tiers.values(), key=lambda t: (-t["monthly"], t["tier"]))
        for t in out:
            t["monthly"] = round(t["monthly"], 2)
        return out

    def largest(self, n: int = 3) -> list[Line]:
        # Ties (two delivery streams priced alike) go by URN, as in to_json: the order the lines arrive in alone
        # named one or the other from one render of the same code to the next (staging, first deploy).
        return sorted(self.lines, key=lambda line: (-line.monthly, line.urn))[:n]

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "monthly": round(self.monthly, 2),
            "byTier": self.by_tier(),
            "resources": [
                {
                    "urn": line.urn,
                    "type": line.type,
                    "tier": line.tier,
                    "region": line.region,
                    "monthly": round(line.monthly, 2),
                    "basis": line.basis,
                }
                for line in sorted(self.lines, key=lambda line: (-line.monthly, line.urn))
            ],
            "unpriced": [u["urn"] for u in self.unpriced],
            "unpricedReasons": {u["urn"]: u["reason"] for u in self.unpriced},
            "freeResources": self.free,
            "assumptions": self.usage.values,
            "prices": {"file": self.prices_file, "read": self.prices_read},
        }


class Context:
    def __init__(self, resources: list[Resource], prices: PriceBook, usage: Usage) -> None:
        self.resources = resources
        self.prices = prices
        self.usage = usage
        self.hours = prices.hours_per_month
        self.by_urn = {r.urn: r for r in resources}
        self._by_type: dict[str, list[Resource]] | None = None
        self._cache: dict[str, Any] = {}
        self.by_key: dict[str, list[Resource]] = {}
        for r in resources:
            keys = {r.urn}
            for prop in ("id", "arn", "name", "bucket", "identifier", "family"):
                value = r.props.get(prop)
                if isinstance(value, str) and value != UNKNOWN:
                    keys.add(value)
            for key in keys:
                self.by_key.setdefault(key, []).append(r)

    def p(self, region: str | None, group: str, key: str) -> float:
        return self.prices.price(region, group, key)

    def of_type(self, *types: str) -> list[Resource]:
        if self._by_type is None:
            self._by_type = {}
            for r in self.resources:
                self._by_type.setdefault(canonical(r.type), []).append(r)
        return [r for t in types for r in self._by_type.get(t, [])]

    def cached(self, name: str, build: Callable[[Context], Any]) -> Any:
        """A stack-wide relation (replica storage classes, backup kinds), built once per estimate."""
        if name not in self._cache:
            self._cache[name] = build(self)
        return self._cache[name]

    def find(self, key: str, *types: str) -> Resource | None:
        """The resource of one of `types` whose id, ARN, name or URN is `key`."""
        for r in self.by_key.get(key, []):
            if canonical(r.type) in types:
                return r
        return None

    def related(self, r: Resource, prop: str, *types: str) -> Resource | None:
        """The resource of `types` that `prop` points at: by property dependency, else by value (id, ARN,
        name, or the name at the end of an ARN such as a task definition's family)."""
        for urn in r.property_dependencies.get(prop) or []:
            if urn in self.by_urn and canonical(self.by_urn[urn].type) in types:
                return self.by_urn[urn]
        value = r.props.get(prop)
        if isinstance(value, str) and value != UNKNOWN:
            tail = value.rsplit("/", 1)[-1]
            for key in (value, tail, tail.split(":")[0]):
                found = self.find(key, *types)
                if found is not None:
                    return found
        return None


def num(value: Any, default: float = 0.0) -> float:
    """A property as a number (the engine hands some numbers over as strings), else `default`."""
    if isinstance(value, bool):
        return default
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return default
    return default


def money(x: float) -> str:
    """A monthly amount as a basis shows it ($1,234.56)."""
    return f"${x:,.2f}"


def unit_price(x: float) -> str:
    """A unit price as a basis shows it, without rounding away its digits ($0.0125)."""
    return f"${x:g}"


Rule = Callable[[Resource, Context], tuple[float, str]]
RULES: dict[str, Rule] = {}


def rule(*types: str) -> Callable[[Rule], Rule]:
    """Register the decorated function as the pricing rule of `types` (current type tokens, not aliases)."""

    def register(fn: Rule) -> Rule:
        for t in types:
            RULES[t] = fn
        return fn

    return register


def without_unknowns(value: Any) -> Any:
    """A property value with what is unknown at preview left out (an unknown key or list element is absent)."""
    if isinstance(value, dict):
        return {k: without_unknowns(v) for k, v in value.items() if v != UNKNOWN}
    if isinstance(value, list):
        return [without_unknowns(v) for v in value if v != UNKNOWN]
    return value


def _price(fn: Callable[..., tuple[float, str]], r: Resource, ctx: Context) -> tuple[float, str]:
    """A rule's price for `r`; where a value the rule reads is unknown at preview (a first deploy's Backup
    rules, an OpenSearch clusterConfig), priced as if it were left out, i.e. on the documented defaults."""
    try:
        return fn(r, ctx)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError):
        known = without_unknowns(r.props)
        if known == r.props:
            raise
        monthly, basis = fn(replace(r, props=known), ctx)
        return monthly, basis + " (values unknown at preview left out)"


def estimate(resources: Iterable[Resource], prices: PriceBook, usage: Usage) -> Estimate:
    """Price every resource: a line per priced resource, the unpriced ones listed, free ones counted."""
    resources = list(resources)
    ctx = Context(resources, prices, usage)
    lines: list[Line] = []
    unpriced: list[dict[str, str]] = []
    free = 0
    free_by_tier: dict[str, int] = {}
    for r in resources:
        if not r.custom or r.type.startswith("pulumi:"):
            continue  # components and providers cost nothing themselves
        type_ = canonical(r.type)
        if not type_.startswith("aws:"):
            free += 1  # not an AWS resource (random passwords, TLS keys): nothing to pay AWS
            free_by_tier[r.tier] = free_by_tier.get(r.tier, 0) + 1
            continue
        fn = RULES.get(type_)
        if fn is None:
            if prices.is_free(type_):
                free += 1
                free_by_tier[r.tier] = free_by_tier.get(r.tier, 0) + 1
            else:
                unpriced.append({"urn": r.urn, "tier": r.tier, "reason": f"no pricing rule for {type_}"})
            continue
        try:
            monthly, basis = _price(fn, r, ctx)
        except MissingPrice as exc:
            unpriced.append({"urn": r.urn, "tier": r.tier, "reason": str(exc)})
            continue
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # A shape no rule expects: the resource goes unpriced (and says why); the estimate never fails.
            unpriced.append(
                {"urn": r.urn, "tier": r.tier, "reason": f"cannot price it: {type(exc).__name__}: {exc}"}
            )
            continue
        lines.append(Line(r.urn, r.type, r.name, r.tier, r.region, monthly, basis))
    total = sum(line.monthly for line in lines)
    return Estimate(
        prices.currency, total, lines, unpriced, free, usage, prices.file, prices.latest_read, free_by_tier
    )
