"""Stage 5 of the offline preview: the text report (resources by tier, the cost estimate, the pack's verdict)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from tools.cost import report_section as cost_section


def report(doc: dict[str, Any]) -> str:
    lines: list[str] = []
    tiers: dict[str, Counter] = defaultdict(Counter)
    for r in doc["resources"]:
        if r["custom"] or r["type"].startswith("pulumi:providers:"):
            tiers[r["tier"]][r["type"]] += 1
    total = sum(sum(c.values()) for c in tiers.values())
    mode = " as a first deploy (computed outputs unknown)" if doc.get("mode") == "first-deploy" else ""
    lines.append(
        f"Offline preview of stack '{doc['stack']}' ({doc['project']}){mode}: {total} resources to create"
    )
    for tier in sorted(tiers):
        counts = tiers[tier]
        lines.append(f"\n  {tier}  ({sum(counts.values())})")
        for typ, n in sorted(counts.items()):
            lines.append(f"    {n:4d}  {typ}")
    section = cost_section(doc)
    if section:
        lines.append("")
        lines.append(section)
    policy = doc.get("policy") or {}
    violations = policy.get("violations", [])
    pack = policy.get("pack") or {}
    lines.append("")
    if not pack:
        lines.append("Policy pack: not run")
    else:
        lines.append(
            f"Policy pack {pack.get('name')} v{pack.get('version')}: {pack.get('policies')} policies"
        )
        groups: dict[str, list] = defaultdict(list)
        for v in violations:
            groups[v["enforcementLevel"]].append(v)
        for level in ("mandatory", "remediate", "advisory"):
            if not groups.get(level):
                continue
            lines.append(f"\n  {level.upper()} ({len(groups[level])})")
            for v in groups[level]:
                control = f" [{v['control']}]" if v.get("control") else ""
                sev = f" ({v['severity']})" if v.get("severity") else ""
                lines.append(f"    {v['policy']}{control}{sev}")
                lines.append(f"      {v['urn']}")
                lines.append(f"      {v['message']}".replace("\n", "\n      "))
        n_mand = len(groups.get("mandatory", []))
        lines.append(
            f"\n  {n_mand} mandatory, {len(groups.get('advisory', []))} advisory violation(s): "
            + ("the preview FAILS" if n_mand else "the preview passes")
        )
    return "\n".join(lines)
