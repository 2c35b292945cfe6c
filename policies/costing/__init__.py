"""A monthly cost estimate of a Pulumi AWS stack from its resources, a price file and usage assumptions.

Pure Python (stdlib + PyYAML): the policy pack imports it as a top-level package (`import costing`, the pack
runs with its own folder first on sys.path) and the tools import the same package (tools/cost.py). Both
therefore price the same resources with the same rules, prices and assumptions:

    prices = load_prices()                       # policies/data/prices.yaml, validated
    usage = load_usage(raw_usage)                # the budget policy's `usage` config, validated
    result = estimate(resources, prices, usage)  # resources: [Resource(urn, type, name, region, props, ...)]

One module per job: `prices` (the price file), `usage` (the usage assumptions), `model` (the resource as the
estimate sees it), `engine` (the rule registry and the estimate), and `rules/` (the pricing rules, one module
per AWS service).

Each priced resource gets a line (monthly USD and a `basis` saying how the figure was made: instance hours ×
730, × 2 for Multi-AZ, × nodes, × tasks, the usage assumptions used). A resource type with a cost but no rule
or no price is listed as *unpriced*, never counted as free; types AWS does not charge for are listed in the
price file's `free` list.
"""

from . import rules  # noqa: F401  (registers every pricing rule with the engine)
from .engine import RULES, Context, Estimate, Line, estimate, rule, without_unknowns
from .model import (
    GLOBAL,
    STACK_TIER,
    TYPE_ALIASES,
    UNKNOWN,
    CostConfigError,
    Resource,
    canonical,
    preview_lineage,
    resources_from_preview,
    tier_of,
)
from .prices import PRICES_FILE, MissingPrice, Price, PriceBook, load_prices, parse_prices
from .usage import USAGE, Usage, load_usage, usage_schema

__all__ = [
    "GLOBAL",
    "PRICES_FILE",
    "RULES",
    "STACK_TIER",
    "TYPE_ALIASES",
    "UNKNOWN",
    "USAGE",
    "Context",
    "CostConfigError",
    "Estimate",
    "Line",
    "MissingPrice",
    "Price",
    "PriceBook",
    "Resource",
    "Usage",
    "canonical",
    "estimate",
    "load_prices",
    "load_usage",
    "parse_prices",
    "preview_lineage",
    "resources_from_preview",
    "rule",
    "tier_of",
    "usage_schema",
    "without_unknowns",
]
