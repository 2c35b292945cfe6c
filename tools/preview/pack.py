"""Stage 4 of the offline preview: the policy pack over gRPC (tools/analyzer.py), as the engine drives it.

The engine starts the pack before the program's resources arrive and sends each one to Analyze as it
registers, then AnalyzeStack once the program is done. PackRun does the same: the pack boots in its own
process while the program renders, and a worker thread sends it each recorded resource without waiting for the
answer, so that what the pack spends on its start and on Analyze overlaps the render instead of following it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tools.analyzer import PolicyPackSession, Res, Violation, analyze_stack_request
from tools.preview.config import StackConfig
from tools.preview.record import Recorded
from tools.wire import SECRET_SIG, SPECIAL_SIG, for_analyzer


def analyzer_resource(r: Recorded, provider: Recorded | None, *, outputs: bool) -> Res:
    """A recorded resource as the engine describes it to an analyzer (Analyze: its inputs; AnalyzeStack: its
    planned state, secret outputs marked secret)."""
    props = r.raw_outputs if outputs else r.raw_inputs
    if outputs:
        props = dict(props)
        for key in set(r.additional_secret_outputs):
            if key in props:
                props[key] = {SPECIAL_SIG: SECRET_SIG, "value": props[key]}
    return Res(
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


def analyzer_resources(monitor: Any, *, outputs: bool) -> list[Res]:
    """Every recorded resource, in the order the program registered them."""
    by_urn = {r.urn: r for r in monitor.recorded}
    return [
        analyzer_resource(r, by_urn.get(r.provider) if r.provider else None, outputs=outputs)
        for r in monitor.recorded
    ]


class PackRun:
    """The pack for one preview: started at once, fed each resource as it is recorded, finished after the
    program. One worker thread sends the Analyze calls, in the order of registration; the pack answers them
    on its own threads, and the verdicts are sorted at the end whatever order they came in."""

    def __init__(self, pack_dir: Path, pack_config: Mapping[str, Any] | None, config: StackConfig) -> None:
        self.timings: dict[str, float] = {}
        # Analyze calls are sent without waiting for their answers (tools/analyzer.py: analyze_sent): waiting for
        # each, the sending thread needed the interpreter lock the render holds twice per call, and 300-450 of
        # prod's 513 calls were still queued when the render ended. The sending thread still needs the lock once
        # per call, and the answers once each: a 1 ms switch interval instead of 5 hands it over sooner. Paired
        # whole-process runs of the prod preview, medians of 5: 6.66 s waiting for each answer, 6.05 s sending
        # without waiting, 5.44 s sending without waiting at 1 ms.
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, 0.001))
        self._violations: list[Violation] = []
        self._pending: list[Future] = []
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policy-pack")
        self._session: Future = self._worker.submit(self._start, pack_dir, pack_config, config)

    def _start(
        self, pack_dir: Path, pack_config: Mapping[str, Any] | None, config: StackConfig
    ) -> PolicyPackSession:
        t = time.perf_counter()
        session = PolicyPackSession(pack_dir, config=pack_config)
        session.__enter__()  # closed by close(); a refused config closes it and raises here
        try:
            # The pack sees the stack's config as the CLI passes it, minus the offline secret placeholders.
            session.configure_stack(
                config.stack,
                config.project,
                {k: v for k, v in config.values.items() if k not in config.placeholders},
            )
        except BaseException:
            session.close()
            raise
        self.timings["packStart"] = time.perf_counter() - t
        return session

    def analyze(self, r: Recorded, provider: Recorded | None) -> None:
        """Queue Analyze for a resource just recorded (called from the recorder, on any thread)."""
        self._pending.append(self._worker.submit(self._analyze, r, provider))

    def _analyze(self, r: Recorded, provider: Recorded | None) -> Callable[[], list[Violation]]:
        session = self._session.result()  # the worker ran _start first: this re-raises its failure
        return session.analyze_sent(analyzer_resource(r, provider, outputs=False))

    def finish(self, monitor: Any) -> dict[str, Any]:
        """Wait for the queued Analyze calls, call AnalyzeStack, and give the pack's verdicts."""
        t = time.perf_counter()
        # The pack is still answering the Analyze calls queued during the render: build the AnalyzeStack
        # request (about half a second of this process's CPU for prod) meanwhile rather than after them.
        request = analyze_stack_request(analyzer_resources(monitor, outputs=True))
        for future in list(self._pending):
            self._violations += future.result()()
        session = self._session.result()
        self._violations += session.send_analyze_stack(request)
        self.timings["analysis"] = time.perf_counter() - t  # what is left once the program is done
        controls = {p.name: p.framework.get("reference", "") for p in session.policies}
        severities = {p.name: p.severity for p in session.policies}
        records = [
            {
                "policy": v.policy,
                "enforcementLevel": v.enforcement_level,
                "severity": v.severity or severities.get(v.policy, ""),
                "control": controls.get(v.policy, ""),
                "urn": v.urn,
                "message": v.message,
            }
            for v in self._violations
        ]
        records.sort(key=lambda v: (v["enforcementLevel"] != "mandatory", v["policy"], v["urn"]))
        # Sorted: the SDK registers resources from several threads, so the order of the calls varies.
        not_applicable = sorted(
            ({"policy": n.policy, "urn": n.urn, "reason": n.reason} for n in session.not_applicable),
            key=lambda n: (n["policy"], n["urn"], n["reason"]),
        )
        pack = {
            "name": session.info.get("name"),
            "version": session.info.get("version"),
            "policies": len(session.policies),
        }
        return {"pack": pack, "violations": records, "notApplicable": not_applicable, "timings": self.timings}

    def close(self) -> None:
        """Stop the worker and the pack's process, whether or not the preview finished."""
        self._worker.shutdown(wait=True, cancel_futures=True)
        sys.setswitchinterval(self._switch_interval)
        if self._session.done() and self._session.exception() is None:
            self._session.result().close()
