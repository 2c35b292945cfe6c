"""Benchmark of the offline preview and the policy pack (a measurement, not a test).

    python -m bench [--stacks prod staging] [--sizes 200 2000 20000] [--repeat 3]

Measured side by side in the same run, on the same machine:
- per stack: wall time and peak RSS of the whole offline preview (a fresh process, as a user runs it), split
  into its stages (import, render, pack start, analysis, report), against the *import floor*: a fresh process
  that only imports the pulumi_aws resource classes the stack uses (pulumi_aws loads modules lazily, so the
  floor touches each class). Target: preview ≤ 2× floor (#18), peak RSS ≤ 400 MB.
- the pack's throughput over gRPC with synthetic resources (copies of the prod render's resources):
  Analyze one resource at a time, as the CLI's step generator calls it, against a do-nothing pack with as
  many policies (target ≥ 1.0×: at least as fast); AnalyzeStack's cost per resource at each size, and how it
  grows from the second-largest size to the largest against the do-nothing pack's growth in the same run
  (target: within 1.2× of it, so that the pack adds no superlinear work of its own).
Results are printed as a table and written to bench/results/<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import keyword
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.analyzer import PolicyPackSession, Res  # noqa: E402


def _wall(cmd: list[str], env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    return time.perf_counter() - t, proc


def floor_script(types: list[str]) -> str:
    """A program that imports exactly the resource classes a render uses."""
    lines = ["import importlib"]
    for t in sorted(set(types)):
        pkg, _, rest = t.partition(":")
        if pkg not in ("aws", "random") or t.startswith("pulumi:"):
            continue
        module, _, cls = rest.partition(":")
        mod = module.split("/")[0]
        package = "pulumi_aws" if pkg == "aws" else "pulumi_random"
        # Python keywords get a trailing underscore in the SDK's module names (pulumi_aws.lambda_).
        path = (
            package
            if mod == "index"
            else f"{package}.{mod}_"
            if keyword.iskeyword(mod)
            else f"{package}.{mod}"
        )
        lines.append(f"getattr(importlib.import_module({path!r}), {cls!r})")
    return "\n".join(lines) + "\n"


def bench_stack(stack: str, repeat: int) -> dict:
    out = Path(tempfile.mkdtemp(prefix=f"bench-{stack}-"))
    runs, stages = [], []
    for _ in range(repeat):
        wall, proc = _wall(
            [sys.executable, "-m", "tools.preview", "--stack", stack, "--out", str(out), "--timings"]
        )
        if proc.returncode not in (0, 1):
            raise SystemExit(f"preview of {stack} failed:\n{proc.stderr}")
        runs.append(wall)
        stages.append(json.loads(proc.stderr.strip().splitlines()[-1]))
    doc = json.loads((out / "preview.json").read_text())
    script = out / "floor.py"
    script.write_text(floor_script([r["type"] for r in doc["resources"]]))
    floors = []
    for _ in range(repeat):
        wall, proc = _wall([sys.executable, str(script)])
        if proc.returncode != 0:  # a floor that fails early would flatter the ratio
            raise SystemExit(f"import floor of {stack} failed:\n{proc.stderr}")
        floors.append(wall)
    med = {k: statistics.median(s[k] for s in stages) for k in stages[0]}
    return {
        "stack": stack,
        "resources": len([r for r in doc["resources"] if r["custom"]]),
        "previewWall": statistics.median(runs),
        "importFloorWall": statistics.median(floors),
        "ratio": statistics.median(runs) / statistics.median(floors),
        "stages": {k: round(v, 3) for k, v in med.items() if k not in ("peakRssMb", "packPeakRssMb")},
        "peakRssMb": med.get("peakRssMb"),
        "packPeakRssMb": med.get("packPeakRssMb"),
    }


NOOP_PACK = """
from pulumi_policy import PolicyPack, ResourceValidationPolicy, StackValidationPolicy, EnforcementLevel

def _noop(args, report_violation):
    pass

PolicyPack(
    name="noop",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[ResourceValidationPolicy(name=f"noop-{i}", description="Does nothing.", validate=_noop)
              for i in range({resource})]
    + [StackValidationPolicy(name=f"noop-stack-{i}", description="Does nothing.", validate=_noop)
       for i in range({stack})],
)
"""


def make_noop_pack(resource_policies: int, stack_policies: int) -> Path:
    d = Path(tempfile.mkdtemp(prefix="noop-pack-"))
    (d / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (d / "__main__.py").write_text(
        textwrap.dedent(NOOP_PACK)
        .replace("{resource}", str(resource_policies))
        .replace("{stack}", str(stack_policies))
    )
    return d


# Properties that name or point at another resource: each synthetic copy of the template stack gets its own
# values, as a real stack of that size would (copies sharing one bucket name would relate to each other).
_REFERENCES = frozenset(
    {
        "bucket",
        "arn",
        "id",
        "name",
        "identifier",
        "vpcId",
        "subnetId",
        "securityGroupId",
        "referencedSecurityGroupId",
        "resourceArn",
        "webAclArn",
        "loadBalancerArn",
        "targetGroupArn",
        "replicateSourceDb",
        "kmsKeyId",
    }
)


def _suffixed(inputs: dict, suffix: str) -> dict:
    return {k: (f"{v}{suffix}" if k in _REFERENCES and isinstance(v, str) else v) for k, v in inputs.items()}


def synthetic(template: list[Res], n: int) -> list[Res]:
    out = []
    for i in range(n):
        t = template[i % len(template)]
        copy = i // len(template)
        out.append(
            Res(
                type=t.type,
                inputs=_suffixed(t.inputs, f"-{copy}") if copy else t.inputs,
                name=f"{t.name}-{i}",
                provider=t.provider,
                protect=t.protect,
                parent=t.parent,
            )
        )
    return out


def template_resources() -> list[Res]:
    out = Path(tempfile.mkdtemp(prefix="bench-template-"))
    subprocess.run(
        [sys.executable, "-m", "tools.preview", "--stack", "prod", "--no-policy", "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return resources_of(out / "preview.json")


def resources_of(preview_json: Path) -> list[Res]:
    """A render's custom resources as the engine sends them to `Analyze`, each with its provider."""
    doc = json.loads(preview_json.read_text())
    by_urn = {r["urn"]: r for r in doc["resources"]}
    res = []
    for r in doc["resources"]:
        if not r["custom"] or r["type"].startswith("pulumi:providers:"):
            continue
        p = by_urn.get(r["provider"])
        res.append(
            Res(
                type=r["type"],
                inputs=r["inputs"],
                name=r["name"],
                protect=r["protect"],
                provider={"type": p["type"], "urn": p["urn"], "name": p["name"], "inputs": p["inputs"]}
                if p
                else None,
            )
        )
    return res


def rate(session: PolicyPackSession, resources: list[Res]) -> float:
    t = time.perf_counter()
    for r in resources:
        session.analyze(r)
    return len(resources) / (time.perf_counter() - t)


def pack_cpu(session: PolicyPackSession) -> float | None:
    """CPU seconds (user + system) the pack's process has used so far, from /proc (None elsewhere)."""
    try:
        fields = Path(f"/proc/{session.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def paired_rates(a: PolicyPackSession, b: PolicyPackSession, resources: list[Res], chunk: int = 500) -> dict:
    """Analyze calls per second of two packs over the same resources, in alternating chunks after a warm-up of
    both: the machine's speed drifts, and the first calls to a fresh pack pay for its imports and caches. The
    pack that goes first alternates from chunk to chunk (A B, B A, ...), so that neither always runs on what
    the other left warm. Each rate is the median over its chunks, the ratio the median of the chunks' paired
    ratios; each pack's CPU time per call (its own process, not the client's) is summed over all chunks."""
    warm = resources[: min(200, len(resources))]
    rate(a, warm), rate(b, warm)
    ra, rb, ratios = [], [], []
    cpu = {id(a): 0.0, id(b): 0.0}
    for k, i in enumerate(range(0, len(resources), chunk)):
        part = resources[i : i + chunk]
        got = {}
        for s in (a, b) if k % 2 == 0 else (b, a):
            before = pack_cpu(s)
            got[id(s)] = rate(s, part)
            after = pack_cpu(s)
            if before is not None and after is not None:
                cpu[id(s)] += after - before
        ra.append(got[id(a)])
        rb.append(got[id(b)])
        ratios.append(got[id(a)] / got[id(b)])
    return {
        "a": statistics.median(ra),
        "b": statistics.median(rb),
        "ratio": statistics.median(ratios),
        "aCpuMsPerCall": round(cpu[id(a)] / len(resources) * 1e3, 3) if cpu[id(a)] else None,
        "bCpuMsPerCall": round(cpu[id(b)] / len(resources) * 1e3, 3) if cpu[id(b)] else None,
    }


def stack_cost(session: PolicyPackSession, resources: list[Res], repeat: int = 3) -> float:
    """µs per resource of one AnalyzeStack call, the median of `repeat` calls (one call at 20,000 resources
    takes minutes: the SDK deserializes the whole stack once per stack policy)."""
    costs = []
    for _ in range(repeat):
        t = time.perf_counter()
        session.analyze_stack(resources)
        costs.append((time.perf_counter() - t) / len(resources) * 1e6)
    return statistics.median(costs)


def bench_pack(sizes: list[int], config_file: Path | None) -> dict:
    template = template_resources()
    config = json.loads(config_file.read_text()) if config_file and config_file.exists() else None
    results = {}
    with PolicyPackSession(ROOT / "policies", config=config) as ours:
        n_res = sum(1 for p in ours.policies if p.policy_type == "resource")
        n_stack = len(ours.policies) - n_res
        noop_dir = make_noop_pack(n_res, n_stack)
        with PolicyPackSession(noop_dir) as noop:
            for n in sizes:
                repeat = 3 if n <= 5000 else 1
                batch = synthetic(template, n)
                paired = paired_rates(ours, noop, batch)
                results[n] = {
                    "analyzePerSecond": round(paired["a"], 1),
                    "noopAnalyzePerSecond": round(paired["b"], 1),
                    "analyzeRatio": round(paired["ratio"], 3),
                    "packCpuMsPerAnalyze": paired["aCpuMsPerCall"],
                    "noopPackCpuMsPerAnalyze": paired["bCpuMsPerCall"],
                    "analyzeStackUsPerResource": round(stack_cost(ours, batch, repeat), 1),
                    "noopAnalyzeStackUsPerResource": round(stack_cost(noop, batch, repeat), 1),
                }
    return {"resourcePolicies": n_res, "stackPolicies": n_stack, "sizes": results}


def write_result(result: dict, kind: str = "") -> Path:
    """bench/results/<time><kind>.json, the path relative to the repository."""
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / time.strftime(f"%Y%m%dT%H%M%S{kind}.json")
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path.relative_to(ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--stacks", nargs="*", default=["prod", "staging"])
    parser.add_argument("--sizes", nargs="*", type=int, default=[200, 2000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result: dict = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "stacks": [],
        "pack": {},
    }
    print(
        f"{'stack':8} {'resources':>9} {'preview s':>9} {'floor s':>8} {'ratio':>6} {'peak MB':>8} "
        f"{'pack MB':>8}  stages (s)"
    )
    for stack in args.stacks:
        s = bench_stack(stack, args.repeat)
        result["stacks"].append(s)
        stages = " ".join(f"{k}={v}" for k, v in s["stages"].items())
        print(
            f"{stack:8} {s['resources']:9d} {s['previewWall']:9.2f} {s['importFloorWall']:8.2f} "
            f"{s['ratio']:6.2f} {s['peakRssMb'] or 0:8.0f} {s['packPeakRssMb'] or 0:8.0f}  {stages}"
        )
    if args.sizes:
        pack = bench_pack(args.sizes, ROOT / "policies" / "config" / "prod.json")
        result["pack"] = pack
        print(f"\npolicy pack: {pack['resourcePolicies']} resource + {pack['stackPolicies']} stack policies")
        print(
            f"{'resources':>9} {'Analyze/s':>10} {'no-op/s':>9} {'ratio':>6} {'pack CPU ms/call':>17} {'no-op':>6} "
            f"{'AnalyzeStack µs/res':>20} {'no-op':>7}"
        )
        for n, r in pack["sizes"].items():
            print(
                f"{n:9d} {r['analyzePerSecond']:10.0f} {r['noopAnalyzePerSecond']:9.0f} {r['analyzeRatio']:6.2f} "
                f"{r['packCpuMsPerAnalyze'] or 0:17.2f} {r['noopPackCpuMsPerAnalyze'] or 0:6.2f} "
                f"{r['analyzeStackUsPerResource']:20.1f} {r['noopAnalyzeStackUsPerResource']:7.1f}"
            )
        sizes = sorted(pack["sizes"])
        if len(sizes) >= 2:
            a, b = pack["sizes"][sizes[-2]], pack["sizes"][sizes[-1]]
            growth = b["analyzeStackUsPerResource"] / a["analyzeStackUsPerResource"]
            noop = b["noopAnalyzeStackUsPerResource"] / a["noopAnalyzeStackUsPerResource"]
            pack["analyzeStackGrowth"] = round(growth, 3)
            pack["noopAnalyzeStackGrowth"] = round(noop, 3)
            pack["growthVsNoop"] = round(growth / noop, 3)
            print(
                f"AnalyzeStack per-resource cost at {sizes[-1]} vs {sizes[-2]}: {growth:.2f}× "
                f"(do-nothing pack: {noop:.2f}×; ratio {growth / noop:.2f}, target ≤ 1.2)"
            )
    print(f"\nwritten {write_result(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
