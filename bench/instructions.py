"""Analyze's cost in machine instructions, our pack against the do-nothing pack (a measurement, not a test).

    python -m bench.instructions [--cycles 2] [--template out/prod/preview.json]

Wall-clock rates on a shared 2-core machine move by several percent from run to run, more than the difference
between the two packs. Instructions executed do not depend on the machine's load: this runs both packs' Analyze
under valgrind's callgrind (which must be installed) and counts the instructions of each call.

Both packs are built in ONE process from their own `__main__.py`, exactly as `python -m pulumi.policy` builds
them, except that the SDK's PolicyPack is caught before it starts its gRPC server: the servicer it would serve is
kept and its `Analyze` called directly with the requests the engine sends (tools/analyzer.py), configured as
the CLI configures it (the prod policy config for ours). The gRPC transport, identical for both packs, is left
out. After a warm-up of each pack, whole cycles of the template stack's resources (synthetic copies of the prod
render, as `python -m bench` uses) alternate between the packs (ours, no-op, no-op, ours, ...); callgrind
counts only inside each measured cycle (`--toggle-collect` on libc's qsort_r, through which each cycle is
run) and dumps after it. Results go to bench/results/<time>-instructions.json.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Each measured cycle runs as the comparison function of libc's qsort, which sorts through qsort_r: callgrind
# counts inside qsort_r only (called through qsort, so that the symbol is the one glibc calls internally).
TRAMPOLINE = "qsort_r"


def _counted(fn: Any) -> None:
    """Run fn() as the comparison of a two-element qsort, so that callgrind's --toggle-collect=qsort_r counts
    exactly fn's instructions and --dump-after=qsort_r writes them out as one part."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    compare_t = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
    state: dict[str, Any] = {"ran": False, "error": None}

    def compare(_a: int, _b: int) -> int:
        if not state["ran"]:
            state["ran"] = True
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - a ctypes callback cannot raise; re-raised below
                state["error"] = exc
        return 0

    values = (ctypes.c_int * 2)(0, 1)
    callback = compare_t(compare)
    libc.qsort(values, 2, ctypes.sizeof(ctypes.c_int), callback)
    if state["error"] is not None:
        raise state["error"]
    if not state["ran"]:
        raise RuntimeError("qsort_r never compared: the measured cycle did not run")


class _Direct:
    """A stub that calls the servicer's methods directly, as the gRPC server would dispatch them."""

    class _Context:
        def abort(self, code: Any, details: str) -> None:
            raise RuntimeError(f"{code}: {details}")

    def __init__(self, servicer: Any) -> None:
        self._servicer = servicer

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._servicer, name)
        return lambda request: method(request, self._Context())


def build_servicer(pack_dir: Path) -> Any:
    """The servicer `python -m pulumi.policy` would serve for the pack in pack_dir (its __main__.py run as is)."""
    import pulumi_policy
    from pulumi_policy import policy as sdk

    built: dict[str, Any] = {}

    class Caught(sdk.PolicyPack):
        def __init__(self, name: str, policies: list, enforcement_level: Any = None, **_: Any) -> None:
            built["servicer"] = sdk._PolicyAnalyzerServicer(
                name, "0.0.1", policies, enforcement_level or pulumi_policy.EnforcementLevel.ADVISORY
            )

    real = pulumi_policy.PolicyPack
    pulumi_policy.PolicyPack = Caught
    sys.path.insert(0, str(pack_dir))
    try:
        runpy.run_path(str(pack_dir / "__main__.py"), run_name="__main__")
    finally:
        pulumi_policy.PolicyPack = real
        sys.path.remove(str(pack_dir))
    return built["servicer"]


def inner(template_path: Path, noop_dir: Path, config_path: Path, cycles: int) -> None:
    """Runs under callgrind: build both packs, warm them, then measured cycles in alternating order."""
    from bench.__main__ import resources_of, synthetic
    from tools.analyzer import PolicyPackSession, analyze_request

    template = resources_of(template_path)
    packs = {}
    for name, pack_dir, config in (
        ("ours", ROOT / "policies", json.loads(config_path.read_text())),
        ("noop", noop_dir, None),
    ):
        servicer = build_servicer(pack_dir)
        session = PolicyPackSession(pack_dir, config=config)
        session.stub = _Direct(servicer)
        session.load_info()
        session.configure(config)
        packs[name] = servicer
    n = len(template)
    requests = [analyze_request(r) for r in synthetic(template, n * (cycles + 1))]
    for servicer in packs.values():  # warm-up: lazy imports and caches, not counted
        for request in requests[: min(200, n)]:
            servicer.Analyze(request, None)
    order = []
    for k in range(cycles):
        cycle = requests[(k + 1) * n : (k + 2) * n]
        for name in ("ours", "noop") if k % 2 == 0 else ("noop", "ours"):
            servicer = packs[name]
            _counted(lambda s=servicer, c=cycle: [s.Analyze(r, None) for r in c])
            order.append(name)
    print(json.dumps({"order": order, "callsPerCycle": n}))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions")
    parser.add_argument("--cycles", type=int, default=2, help="measured cycles per pack (default 2)")
    parser.add_argument("--template", type=Path, help="a prod preview.json (default: rendered now)")
    parser.add_argument("--inner", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(Path(args.inner[0]), Path(args.inner[1]), Path(args.inner[2]), args.cycles)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    from bench.__main__ import make_noop_pack

    work = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    template = args.template
    if template is None:
        subprocess.run(
            [sys.executable, "-m", "tools.preview", "--stack", "prod", "--no-policy", "--out", str(work)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        template = work / "preview.json"
    from tools.analyzer import PolicyPackSession

    with PolicyPackSession(ROOT / "policies") as ours:
        n_res = sum(1 for p in ours.policies if p.policy_type == "resource")
        n_stack = len(ours.policies) - n_res
    noop_dir = make_noop_pack(n_res, n_stack)
    out = work / "callgrind.out"
    proc = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            f"--toggle-collect={TRAMPOLINE}",
            f"--dump-after={TRAMPOLINE}",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "bench.instructions",
            "--cycles",
            str(args.cycles),
            "--inner",
            str(template),
            str(noop_dir),
            str(ROOT / "policies" / "config" / "prod.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if proc.returncode != 0:
        raise SystemExit(f"the measured run failed:\n{proc.stderr[-4000:]}")
    meta = json.loads(proc.stdout.strip().splitlines()[-1])
    parts = sorted(out.parent.glob(out.name + ".*"), key=lambda p: int(p.suffix[1:]))
    counts = []
    for part in parts:
        for line in part.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                counts.append(int(line.split()[1]))
                break
    # Imports call qsort_r too (a few thousand instructions each): the measured cycles are the largest parts,
    # in the order they ran.
    largest = sorted(range(len(counts)), key=lambda i: counts[i])[-len(meta["order"]) :]
    counts = [counts[i] for i in sorted(largest)]
    per_call: dict[str, list[int]] = {}
    for name, count in zip(meta["order"], counts, strict=True):
        per_call.setdefault(name, []).append(round(count / meta["callsPerCycle"]))
    ours_mean = sum(per_call["ours"]) / len(per_call["ours"])
    noop_mean = sum(per_call["noop"]) / len(per_call["noop"])
    result = {
        "resourcePolicies": n_res,
        "stackPolicies": n_stack,
        "callsPerCycle": meta["callsPerCycle"],
        "instructionsPerAnalyze": per_call,
        "ratio": round(noop_mean / ours_mean, 5),
    }
    print(
        f"policy pack: {n_res} resource + {n_stack} stack policies; {meta['callsPerCycle']} Analyze calls a cycle"
    )
    print(f"instructions per Analyze, ours:    {', '.join(f'{c:,}' for c in per_call['ours'])}")
    print(f"instructions per Analyze, do-nothing: {', '.join(f'{c:,}' for c in per_call['noop'])}")
    print(
        f"do-nothing / ours: {result['ratio']:.4f} (≥ 1.0: ours does no more work per call than a pack that judges nothing)"
    )
    from bench.__main__ import write_result

    print(f"written {write_result(result, '-instructions')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
