"""Stage 2 of the offline preview: run the program under the SDK's mocks in this process, recording every
registration exactly as the engine would receive it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import runpy
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.errors import ProgramError
from tools.preview.config import StackConfig
from tools.wire import from_value


@dataclass
class Recorded:
    urn: str
    type: str
    name: str
    parent: str | None
    provider: str | None
    provider_ref: str | None
    custom: bool
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool | None
    ignore_changes: list[str]
    depends_on: list[str]
    property_dependencies: dict[str, list[str]]
    raw_inputs: dict[str, Any]
    additional_secret_outputs: list[str]
    id: str | None = None
    raw_outputs: dict[str, Any] = field(default_factory=dict)


# Called with each resource as it is recorded, and its provider's record (the engine hands analyzers each
# resource as it registers: tools/preview/pack.py does the same).
OnRecord = Callable[[Recorded, "Recorded | None"], None]


def _make_recorder(mocks: Any, on_record: OnRecord | None = None) -> Any:
    from pulumi.runtime.mocks import MockMonitor

    class RecordingMonitor(MockMonitor):
        """The SDK's mock monitor, keeping every registration exactly as the engine would receive it."""

        def __init__(self, m: Any) -> None:
            super().__init__(m)
            self.recorded: list[Recorded] = []
            self.by_urn: dict[str, Recorded] = {}
            self.stack_outputs: dict[str, Any] = {}
            self.stack_urn = ""

        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
            urn = self.make_urn(request.parent, request.type, request.name)
            if request.type == "pulumi:pulumi:Stack":
                self.stack_urn = urn
                return super().RegisterResource(request)
            rec = Recorded(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                provider=request.provider.rsplit("::", 1)[0] if request.provider else None,
                provider_ref=request.provider or None,
                custom=bool(request.custom),
                protect=bool(request.protect) if request.HasField("protect") else False,
                retain_on_delete=bool(request.retainOnDelete)
                if request.HasField("retainOnDelete")
                else False,
                delete_before_replace=bool(request.deleteBeforeReplace)
                if request.deleteBeforeReplaceDefined
                else None,
                ignore_changes=list(request.ignoreChanges),
                depends_on=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                raw_inputs=from_value(request.object),
                additional_secret_outputs=list(request.additionalSecretOutputs),
            )
            response = super().RegisterResource(request)
            rec.id = response.id or None
            rec.raw_outputs = from_value(response.object)
            self.recorded.append(rec)
            self.by_urn[rec.urn] = rec
            if on_record is not None:
                on_record(rec, self.by_urn.get(rec.provider) if rec.provider else None)
            return response

        def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802
            if request.urn == self.stack_urn:
                self.stack_outputs = from_value(request.outputs)
            return super().RegisterResourceOutputs(request)

    return RecordingMonitor(mocks)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block (and back as it was after).

    The SDK keeps nearly everything a program allocates (some 450,000 objects for prod: outputs, futures,
    resources) alive until the program ends, and the preview keeps the records to the end: each pass of the
    collector walks a heap that only grows, and frees almost nothing. With it on, collection took about a third
    of a prod preview's CPU in this process; with it off, peak memory grew by 6 MB. Reference counting still
    frees everything acyclic; cycles wait for the collector's next pass after the block."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


# How the mocks answer (tools/mocks/): "existing" models a stack whose resources exist (ids, ARNs and
# endpoints known, as when previewing an update); "first-deploy" models the preview of a stack, or of the
# resources a pull request adds, that do not exist yet: every computed output is unknown.
MODES = ("existing", "first-deploy")


def run_program(
    program: Path,
    config: StackConfig,
    preview: bool = True,
    mode: str = "existing",
    on_record: OnRecord | None = None,
) -> Any:
    """Run the program under mocks in this process (one program per process: the SDK's state is global)."""
    from pulumi.runtime import mocks as pmocks
    from pulumi.runtime import settings as psettings
    from pulumi.runtime.config import set_all_config
    from pulumi.runtime.stack import run_in_stack

    from tools.mocks import AwsMocks

    default_region = config.values.get("aws:region", "us-east-1")
    mocks = AwsMocks(default_region, first_deploy=mode == "first-deploy")
    monitor = _make_recorder(mocks, on_record)
    settings = pmocks.MockSettings(
        monitor=monitor,
        monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
        engine=pmocks.MockEngine(None),
        project=config.project,
        stack=config.stack,
        dry_run=preview,
        organization="organization",
        callbacks=None,
    )
    psettings.configure(settings)
    set_all_config(dict(config.values), config.secret_keys)
    os.environ.pop("PULUMI_CONFIG", None)

    cwd = os.getcwd()
    sys.path.insert(0, str(program))
    os.chdir(program)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        with collector_paused():
            loop.run_until_complete(
                run_in_stack(lambda: runpy.run_path(str(program / "__main__.py"), run_name="__main__"))
            )
    except Exception as exc:  # the program's own error, reported with its message
        raise ProgramError(_program_error(exc), registered=len(monitor.recorded)) from exc
    finally:
        os.chdir(cwd)
        sys.path.remove(str(program))
        loop.close()
    return monitor


def _program_error(exc: BaseException) -> str:
    msg = str(exc) or type(exc).__name__
    cause: BaseException | None = exc
    seen: set[int] = set()
    # The SDK's async machinery can chain an exception to itself through its context: stop at a cycle.
    while cause is not None and type(cause).__name__ != "ConfigError" and id(cause) not in seen:
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    if cause is not None and type(cause).__name__ != "ConfigError":
        cause = None
    return str(cause) if cause is not None else f"{type(exc).__name__}: {msg}"
