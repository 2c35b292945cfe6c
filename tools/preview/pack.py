"""Stage 4 of the offline preview: start the pack the way the CLI does and call Analyze per resource and
AnalyzeStack once over gRPC (tools/analyzer.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tools.analyzer import PolicyPackSession, Res
from tools.preview.config import StackConfig
from tools.wire import SECRET_SIG, SPECIAL_SIG, for_analyzer


def analyzer_resources(monitor: Any, *, outputs: bool) -> list[Any]:
    """The recorded resources as the engine describes them to an analyzer (Analyze: inputs; AnalyzeStack:
    the resources' planned state)."""
    by_urn = {r.urn: r for r in monitor.recorded}
    out = []
    for r in monitor.recorded:
        provider = by_urn.get(r.provider) if r.provider else None
        props = r.raw_outputs if outputs else r.raw_inputs
        if outputs:
            props = dict(props)
            for key in set(r.additional_secret_outputs):
                if key in props:
                    props[key] = {SPECIAL_SIG: SECRET_SIG, "value": props[key]}
        out.append(
            Res(
                type=r.type,
                inputs=for_analyzer(props),
                name=r.name,
                urn=r.urn,
                parent=r.parent,
                provider=(
                    {
                        "type": provider.type,
                        "urn": provider.urn,
                        "name": provider.name,
                        "inputs": for_analyzer(provider.raw_inputs),
                    }
                    if provider is not None
                    else None
                ),
                protect=r.protect,
                ignore_changes=r.ignore_changes,
                delete_before_replace=r.delete_before_replace,
                dependencies=r.depends_on,
                property_dependencies=r.property_dependencies,
            )
        )
    return out


def run_pack(monitor: Any, config: StackConfig, pack_dir: Path, pack_config: dict | None) -> dict[str, Any]:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    with PolicyPackSession(pack_dir, config=pack_config) as session:
        session.configure_stack(
            config.stack,
            config.project,
            {k: v for k, v in config.values.items() if k not in config.placeholders},
        )
        timings["packStart"] = time.perf_counter() - t
        t = time.perf_counter()
        violations = []
        for res in analyzer_resources(monitor, outputs=False):
            violations += session.analyze(res)
        violations += session.analyze_stack(analyzer_resources(monitor, outputs=True))
        timings["analysis"] = time.perf_counter() - t
        not_applicable = [
            {"policy": n.policy, "urn": n.urn, "reason": n.reason} for n in session.not_applicable
        ]
        controls = {p.name: p.framework.get("reference", "") for p in session.policies}
        severities = {p.name: p.severity for p in session.policies}
        pack = {
            "name": session.info.get("name"),
            "version": session.info.get("version"),
            "policies": len(session.policies),
        }
    records = [
        {
            "policy": v.policy,
            "enforcementLevel": v.enforcement_level,
            "severity": v.severity or severities.get(v.policy, ""),
            "control": controls.get(v.policy, ""),
            "urn": v.urn,
            "message": v.message,
        }
        for v in violations
    ]
    records.sort(key=lambda v: (v["enforcementLevel"] != "mandatory", v["policy"], v["urn"]))
    return {"pack": pack, "violations": records, "notApplicable": not_applicable, "timings": timings}
