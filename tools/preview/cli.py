"""Offline preview: the real program under the SDK's mocks with a stack's real config, judged by the real pack.

    python -m tools.preview --stack prod [--policy-pack-config FILE] [--json] [--program DIR] [--out DIR]
                            [--mode existing|first-deploy | --first-deploy]

Stages, one module each in this package: load the stack's config → run ``__main__.py`` under
``pulumi.runtime`` mocks (tools/mocks/), recording every registration as the engine receives it → write
``out/<stack>/preview.json`` → start ``policies/`` the way the CLI does and call Analyze per resource and
AnalyzeStack once over gRPC (tools/analyzer.py) → print a report. Exit status: 0 clean or advisory only, 1 a mandatory violation,
2 the program or its config failed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.analyzer import PolicyConfigError, load_config_file
from tools.cost import check_config as check_cost_config
from tools.cost import preview_step as estimate_cost
from tools.errors import ProgramError
from tools.paths import POLICIES, ROOT
from tools.preview.config import load_stack_config, override
from tools.preview.document import build_document
from tools.preview.pack import PackRun
from tools.preview.record import MODES, collector_paused, run_program
from tools.preview.report import report
from tools.provenance import stamp


@dataclass
class Result:
    doc: dict[str, Any]
    exit_code: int
    timings: dict[str, float]


def preview(
    stack: str,
    program: Path = ROOT,
    pack_dir: Path | None = POLICIES,
    pack_config_file: Path | None = None,
    out_dir: Path | None = None,
    mode: str = "existing",
    overrides: tuple[str, ...] = (),
) -> Result:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    out = out_dir or ROOT / "out" / stack
    # A render that fails must not leave the previous one looking current (tools.sarif would report on it).
    (out / "preview.json").unlink(missing_ok=True)
    config = load_stack_config(program, stack)
    for spec in overrides:
        override(config, spec)
    import pulumi  # noqa: F401  (the SDK's import cost is its own stage)
    import pulumi_aws  # noqa: F401

    timings["import"] = time.perf_counter() - t0
    if pack_dir is not None and not (pack_dir / "PulumiPolicy.yaml").exists():
        print(f"warning: no policy pack at {pack_dir}; rendering only", file=sys.stderr)
        pack_dir = None
    pack_config = None
    if pack_dir is not None:
        # Read (and refuse) the policy config before the program runs: a bad file fails before any resource.
        if pack_config_file is None:
            default = pack_dir / "config" / f"{stack}.json"
            pack_config_file = default if default.exists() and program == ROOT else None
        pack_config = load_config_file(pack_config_file)
    check_cost_config(pack_config_file, stack)
    pack = PackRun(pack_dir, pack_config, config) if pack_dir is not None else None
    try:
        t = time.perf_counter()
        monitor = run_program(program, config, mode=mode, on_record=pack.analyze if pack else None)
        doc = build_document(monitor, config, mode)
        estimate_cost(doc, pack_config=pack_config_file)
        timings["render"] = time.perf_counter() - t
        if pack is not None:
            result = pack.finish(monitor)
            doc["policy"] = {
                "pack": result["pack"],
                "config": str(pack_config_file) if pack_config_file else None,
                "violations": result["violations"],
                "notApplicable": result["notApplicable"],
            }
            timings.update(result["timings"])
    finally:
        if pack is not None:
            pack.close()
    doc["renderedFrom"] = stamp(program, stack, pack_config_file if pack_dir is not None else None)
    t = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=2, sort_keys=False)
    for key, value in config.placeholders.items():
        if value in text:  # never let a config secret reach the report, whatever the program did with it
            raise ProgramError(f"config secret {key} reached the preview in clear text: mark it secret")
    (out / "preview.json").write_text(text + "\n")
    timings["write"] = time.perf_counter() - t
    mandatory = any(v["enforcementLevel"] == "mandatory" for v in doc["policy"]["violations"])
    return Result(doc, 1 if mandatory else 0, timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument(
        "--policy-pack-config", type=Path, help="policy config JSON (default policies/config/<stack>.json)"
    )
    parser.add_argument("--json", action="store_true", help="print preview.json instead of the report")
    parser.add_argument(
        "--program", type=Path, default=ROOT, help="Pulumi project directory (default: this repo)"
    )
    parser.add_argument("--policy-pack", type=Path, default=POLICIES, help="policy pack directory")
    parser.add_argument("--no-policy", action="store_true", help="render only; skip the policy pack")
    parser.add_argument("--out", type=Path, help="output directory (default out/<stack>)")
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="existing",
        help="existing: the stack's resources exist (ids, ARNs known); first-deploy: preview as for a new "
        "stack or the resources a pull request adds (every computed output unknown)",
    )
    parser.add_argument(
        "--first-deploy",
        dest="mode",
        action="store_const",
        const="first-deploy",
        help="same as --mode first-deploy",
    )
    parser.add_argument("--timings", action="store_true", help="print stage timings and peak RSS to stderr")
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a config value as `pulumi config set --path` would (repeatable), e.g. "
        "elite-locadora:dr.failedOver=true renders the stack failed over to its DR region",
    )
    args = parser.parse_args(argv)
    program = args.program.resolve()
    t = time.perf_counter()
    try:
        # Paused for the whole preview, not the program alone: the document, the estimate and the AnalyzeStack
        # request that follow the render allocate enough for the collector to walk the render's heap again.
        with collector_paused():
            result = preview(
                args.stack,
                program=program,
                pack_dir=None if args.no_policy else args.policy_pack.resolve(),
                pack_config_file=args.policy_pack_config,
                out_dir=args.out,
                mode=args.mode,
                overrides=tuple(args.config),
            )
    except ProgramError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.registered == 0:
            print("(the program stopped before registering any resource)", file=sys.stderr)
        elif exc.registered:
            print(f"(the program stopped after registering {exc.registered} resources)", file=sys.stderr)
        return 2
    except PolicyConfigError as exc:
        print(f"error: policy pack config: {exc}", file=sys.stderr)
        return 2
    t_report = time.perf_counter()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print(json.dumps(result.doc, indent=2) if args.json else report(result.doc))
    sys.stdout.write(buf.getvalue())
    result.timings["report"] = time.perf_counter() - t_report
    result.timings["total"] = time.perf_counter() - t
    if args.timings:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pack_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        timings = {k: round(v, 3) for k, v in result.timings.items()}
        print(
            json.dumps({**timings, "peakRssMb": round(peak_mb, 1), "packPeakRssMb": round(pack_mb, 1)}),
            file=sys.stderr,
        )
    return result.exit_code
