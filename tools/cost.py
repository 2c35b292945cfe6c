"""Monthly cost of a rendered stack, and the difference between two renders or two stacks, by tier.

    python -m tools.cost estimate out/prod/preview.json [--usage policies/config/prod.json] [--json]
    python -m tools.cost diff out/staging/preview.json out/prod/preview.json      # staging → prod
    python -m tools.cost diff staging prod                                        # the same, by stack name
    python -m tools.cost diff main/preview.json pr/preview.json                   # main → a PR

The estimate is policies/costing's (the pack's budget policy uses the same module, prices and usage
assumptions). Usage assumptions come from the `monthly-cost-within-budget.usage` entry of the policy config
file (`--usage FILE`; by default `policies/config/<stack>.json` for the render's stack). A render that already
carries a "cost" block (written by the preview) is re-estimated from its resources, so a diff always compares
like with like under today's prices.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from tools.errors import ProgramError
from tools.pack_modules import pack_module
from tools.paths import POLICIES, ROOT

BUDGET_POLICY = "monthly-cost-within-budget"


def costing() -> ModuleType:
    """The policies/costing package, the same module object the pack's budget policy uses."""
    return pack_module("costing")


def policy_config(path: Path | None, stack: str | None) -> tuple[dict[str, Any], Path | None]:
    """The budget policy's entry of a pack config file (default policies/config/<stack>.json)."""
    if path is None and stack:
        candidate = POLICIES / "config" / f"{stack}.json"
        path = candidate if candidate.exists() else None
    if path is None:
        return {}, None
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise costing().CostConfigError(f"{path}: {exc}") from exc
    if not isinstance(doc, dict):
        raise costing().CostConfigError(
            f"{path}: expected a JSON object of policy names, got {type(doc).__name__}"
        )
    entry = doc.get(BUDGET_POLICY) or {}
    if not isinstance(entry, dict):
        raise costing().CostConfigError(f"{path}: {BUDGET_POLICY}: expected an object")
    budget = entry.get("monthlyBudgetUsd")
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget <= 0
    ):
        raise costing().CostConfigError(
            f"{path}: {BUDGET_POLICY}.monthlyBudgetUsd: expected a positive number, got {budget!r}"
        )
    return entry, Path(path)


def estimate_document(doc: dict[str, Any], config_file: Path | None = None) -> dict[str, Any]:
    """The "cost" block for a preview document."""
    c = costing()
    entry, used = policy_config(config_file, doc.get("stack"))
    usage = c.load_usage(entry.get("usage"), where=f"{BUDGET_POLICY}.usage")
    result = c.estimate(c.resources_from_preview(doc), c.load_prices(), usage)
    block = result.to_json()
    block["budget"] = entry.get("monthlyBudgetUsd")
    block["assumptionsFrom"] = str(
        used.relative_to(ROOT) if used and used.is_relative_to(ROOT) else used or ""
    )
    return block


# -- in the offline preview (tools/preview) ---------------------------------------------------------------
def check_config(pack_config: Path | None, stack: str) -> None:
    """Refuse a bad budget entry (usage assumptions, budget) before the program runs, as a bad stack config
    is refused: the estimate reads the same entry once the render is done."""
    try:
        entry, _ = policy_config(pack_config, stack)
        costing().load_usage(entry.get("usage"), where=f"{BUDGET_POLICY}.usage")
    except costing().CostConfigError as exc:
        raise ProgramError(f"cost estimate: {exc}") from exc


def preview_step(doc: dict[str, Any], pack_config: Path | None = None) -> None:
    """Write the estimate into preview.json, with the usage assumptions of the policy config the pack reads
    (--policy-pack-config, else policies/config/<stack>.json when it exists, else the documented defaults)."""
    try:
        doc["cost"] = estimate_document(doc, pack_config)
    except costing().CostConfigError as exc:
        raise ProgramError(f"cost estimate: {exc}") from exc


def report_section(doc: dict[str, Any]) -> str:
    """The preview report's section: the monthly estimate by tier."""
    cost = doc.get("cost")
    if not cost:
        return ""
    return table(cost, f"Estimated monthly cost of '{doc.get('stack')}' (on-demand list prices, USD)")


def table(cost: dict[str, Any], title: str) -> str:
    lines = [title]
    width = max([len(t["tier"]) for t in cost["byTier"]] + [20])
    for t in cost["byTier"]:
        extra = f", {t['free']} free" if t.get("free") else ""
        extra += f"  ({t['unpriced']} UNPRICED)" if t.get("unpriced") else ""
        lines.append(f"  {t['tier']:<{width}}  {t['monthly']:>12,.2f}  {t['resources']:>4} priced{extra}")
    lines.append(f"  {'Total':<{width}}  {cost['monthly']:>12,.2f}")
    budget = cost.get("budget")
    if budget:
        verdict = "within" if cost["monthly"] <= budget else "OVER"
        lines.append(f"  {'Budget':<{width}}  {budget:>12,.2f}  ({verdict} budget)")
    largest = sorted(cost["resources"], key=lambda x: -x["monthly"])[:3]
    if largest:
        top = "; ".join(f"{x['urn'].rsplit('::', 1)[-1]} {x['monthly']:,.2f}" for x in largest)
        lines.append(f"  Largest lines: {top}")
    if cost.get("unpriced"):
        lines.append(f"  Unpriced (not counted): {len(cost['unpriced'])}")
        for urn in cost["unpriced"]:
            lines.append(f"    {urn}: {cost.get('unpricedReasons', {}).get(urn, '')}")
    src = cost.get("assumptionsFrom") or "defaults"
    lines.append(
        f"  Usage assumptions: {src}; prices: policies/data/{cost['prices']['file']} ({cost['prices']['read']})"
    )
    return "\n".join(lines)


# -- diff --------------------------------------------------------------------------------------------------
def diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The difference b − a by tier (and by resource, matched on type and logical name)."""
    tiers_a = {t["tier"]: t["monthly"] for t in a["byTier"]}
    tiers_b = {t["tier"]: t["monthly"] for t in b["byTier"]}
    rows = []
    for tier in sorted(set(tiers_a) | set(tiers_b), key=lambda t: -(tiers_b.get(t, 0) + tiers_a.get(t, 0))):
        x, y = tiers_a.get(tier, 0.0), tiers_b.get(tier, 0.0)
        rows.append({"tier": tier, "a": round(x, 2), "b": round(y, 2), "delta": round(y - x, 2)})

    def key(line: dict[str, Any]) -> tuple[str, str]:
        return line["type"], line["urn"].rsplit("::", 1)[-1]

    lines_a = {key(r): r for r in a["resources"]}
    lines_b = {key(r): r for r in b["resources"]}
    changes = []
    for k in set(lines_a) | set(lines_b):
        x = lines_a.get(k, {}).get("monthly", 0.0)
        y = lines_b.get(k, {}).get("monthly", 0.0)
        if round(y - x, 2):
            changes.append({"type": k[0], "name": k[1], "a": x, "b": y, "delta": round(y - x, 2)})
    changes.sort(key=lambda c: -abs(c["delta"]))
    return {
        "a": a["monthly"],
        "b": b["monthly"],
        "delta": round(b["monthly"] - a["monthly"], 2),
        "byTier": rows,
        "resources": changes,
    }


def diff_table(d: dict[str, Any], name_a: str, name_b: str, top: int = 10) -> str:
    width = max([len(r["tier"]) for r in d["byTier"]] + [20])
    out = [f"Monthly cost difference {name_a} → {name_b} (USD)"]
    out.append(f"  {'Tier':<{width}}  {name_a[:12]:>12}  {name_b[:12]:>12}  {'Δ':>12}")
    for r in d["byTier"]:
        out.append(f"  {r['tier']:<{width}}  {r['a']:>12,.2f}  {r['b']:>12,.2f}  {r['delta']:>+12,.2f}")
    out.append(f"  {'Total':<{width}}  {d['a']:>12,.2f}  {d['b']:>12,.2f}  {d['delta']:>+12,.2f}")
    if d["resources"]:
        out.append(f"\n  Largest changes (of {len(d['resources'])}):")
        for c in d["resources"][:top]:
            out.append(f"    {c['delta']:>+12,.2f}  {c['name']} ({c['type']})")
    return "\n".join(out)


def _load(path: Path) -> dict[str, Any]:
    """A render: a preview.json path, or a stack name whose last render is out/<stack>/preview.json."""
    if not Path(path).exists() and (ROOT / "out" / str(path) / "preview.json").exists():
        path = ROOT / "out" / str(path) / "preview.json"
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"error: {path}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cost", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    est = sub.add_parser("estimate", help="the monthly estimate of one render, by tier")
    est.add_argument(
        "render", type=Path, help="a preview.json, or a stack name (its out/<stack>/preview.json)"
    )
    est.add_argument("--usage", type=Path, help="policy config file with the usage assumptions")
    est.add_argument("--json", action="store_true", help="print the cost block as JSON")
    est.add_argument("--lines", type=int, default=10, help="largest resource lines to list (default 10)")
    dif = sub.add_parser("diff", help="the difference between two renders (or two stacks), by tier")
    dif.add_argument("a", type=Path, help="the base render (e.g. staging, out/staging/preview.json, main's)")
    dif.add_argument("b", type=Path, help="the other render (e.g. prod, out/prod/preview.json, the PR's)")
    dif.add_argument("--usage-a", type=Path, help="policy config with A's usage assumptions")
    dif.add_argument("--usage-b", type=Path, help="policy config with B's usage assumptions")
    dif.add_argument("--json", action="store_true", help="print the difference as JSON")
    args = parser.parse_args(argv)
    c = costing()
    try:
        if args.command == "estimate":
            doc = _load(args.render)
            from tools.provenance import staleness

            reason = staleness(doc)
            if reason:  # an estimate of an old render is still an estimate: warn, do not refuse
                print(f"warning: {args.render} is stale: {reason}; run tools.preview again", file=sys.stderr)
            cost = estimate_document(doc, args.usage)
            if args.json:
                print(json.dumps(cost, indent=2))
                return 0
            print(table(cost, f"Estimated monthly cost of '{doc.get('stack')}' ({args.render})"))
            if args.lines > 0:
                print(f"\n  Largest lines (of {len(cost['resources'])}), how each was made:")
            for line in cost["resources"][: max(args.lines, 0)]:
                print(f"    {line['monthly']:>10,.2f}  {line['urn'].rsplit('::', 1)[-1]}: {line['basis']}")
            return 0
        doc_a, doc_b = _load(args.a), _load(args.b)
        cost_a = estimate_document(doc_a, args.usage_a)
        cost_b = estimate_document(doc_b, args.usage_b)
        d = diff(cost_a, cost_b)
        if args.json:
            print(json.dumps(d, indent=2))
        else:
            name_a = doc_a.get("stack") if doc_a.get("stack") != doc_b.get("stack") else str(args.a)
            name_b = doc_b.get("stack") if doc_a.get("stack") != doc_b.get("stack") else str(args.b)
            print(diff_table(d, str(name_a), str(name_b)))
        return 0
    except c.CostConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
