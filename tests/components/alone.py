"""One component built alone, in this process, under the SDK's mocks (tools/mocks/), with hand-made args.

For the branches no stack file selects (each test module says which): rendering a whole stack for them costs a
preview each, while building the one component costs a fraction of a second once its pulumi_aws modules are
imported.

`build(construct)` runs `construct()` as a one-component program: `pulumi.runtime.set_mocks` with the repo's
AwsMocks (the offline preview's), in an event loop of its own, waiting for every registration as the engine would;
then the SDK's global state is put back as an unconfigured process has it, so a test that runs after this one in
the same process (none runs the SDK in-process today: the renders run in tests/render_worker.py) starts clean.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import pulumi
import pulumi_aws as aws
from pulumi.runtime.settings import reset_options
from pulumi.runtime.stack import run_pulumi_func

from components.context import RegionContext, RegionKeys
from tools.mocks import ACCOUNT_ID, AwsMocks

PROJECT = "elite-locadora"
PRIMARY, DR = "us-east-1", "us-west-2"

T = TypeVar("T")


@dataclass(frozen=True)
class Registered:
    """A resource as the provider would be asked to create it: its type, logical name, inputs (camelCase, as the
    engine sends them), the id and state the mocks answered, and the provider reference it was sent with."""

    type: str
    name: str
    inputs: dict[str, Any]
    id: str
    state: dict[str, Any]
    provider: str | None
    custom: bool
    """False for a component (the mocks are asked about components too)."""


@dataclass
class Built(Generic[T]):
    component: T
    resources: list[Registered] = field(default_factory=list)
    invokes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """Every data source read: (token, arguments)."""

    @property
    def custom(self) -> list[Registered]:
        """The resources a provider creates: not the components, not the providers."""
        return [r for r in self.resources if r.custom and not r.type.startswith("pulumi:providers:")]

    def of_type(self, token: str) -> list[Registered]:
        return [r for r in self.resources if r.type == token]

    def one(self, token: str, name: str | None = None) -> Registered:
        found = [r for r in self.of_type(token) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {token}{f' named {name}' if name else ''}, found {found}"
        return found[0]


class _Recording(AwsMocks):
    def __init__(self, region: str) -> None:
        super().__init__(region)
        self.resources: list[Registered] = []
        self.invokes: list[tuple[str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        rid, state = super().new_resource(args)
        self.resources.append(
            Registered(args.typ, args.name, dict(args.inputs), rid, state, args.provider, bool(args.custom))
        )
        return rid, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        self.invokes.append((args.token, dict(args.args)))
        return super().call(args)


def build(construct: Callable[[], T], *, stack: str = "test", region: str = PRIMARY) -> Built[T]:
    """Run `construct()` (which creates its providers and the component) as a program of its own; raises what the
    program raises, after its registrations have settled."""
    mocks = _Recording(region)
    made: list[T] = []
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # The SDK calls the mock monitor from executor threads, where it makes each thread an event loop of its own
    # (pulumi/runtime/mocks.py, _ensure_event_loop) and leaves it open: the threads' loops are made here instead,
    # and closed with the build's, so none is left for the garbage collector to close mid-session.
    thread_loops: list[asyncio.AbstractEventLoop] = []

    def thread_loop() -> None:
        thread_loops.append(asyncio.new_event_loop())
        asyncio.set_event_loop(thread_loops[-1])

    executor = ThreadPoolExecutor(initializer=thread_loop)
    loop.set_default_executor(executor)
    try:
        with warnings.catch_warnings():
            # A pulumi_aws module, when first imported, warns from its own module body that classes it defines
            # (EncryptionControl, BucketV2, ...) are deprecated, whether or not anything uses them; the renders import
            # the same modules in the render worker, whose warnings nobody reads.
            warnings.filterwarnings(
                "ignore", r"\S+ has been deprecated in favor of", DeprecationWarning, r"pulumi_aws\."
            )
            reset_options()  # no root stack left from a previous build: set_mocks makes this program's own
            pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=True)
            loop.run_until_complete(run_pulumi_func(lambda: made.append(construct())))
    finally:
        executor.shutdown(wait=True)
        for each in (loop, *thread_loops):
            each.close()
        asyncio.set_event_loop(None)
        # As at import (pulumi/runtime/settings.py SETTINGS): no monitor, no root resource.
        reset_options(
            project="project", stack="stack", root_directory="root_directory", organization="organization"
        )
    return Built(made[0], mocks.resources, mocks.invokes)


def region(name: str, provider_name: str | None = None) -> RegionContext:
    """A region's context as components/context.py builds it, with its own explicit provider and keys whose ARNs say
    which region and purpose they are (a key of the wrong region or purpose shows in an assertion)."""
    provider = aws.Provider(provider_name or name, region=name)

    def key(purpose: str) -> pulumi.Output[str]:
        return pulumi.Output.from_input(f"arn:aws:kms:{name}:{ACCOUNT_ID}:key/{purpose}-{name}")

    return RegionContext(
        provider=provider,
        name=name,
        account_id=pulumi.Output.from_input(ACCOUNT_ID),
        partition=pulumi.Output.from_input("aws"),
        dns_suffix=pulumi.Output.from_input("amazonaws.com"),
        keys=RegionKeys(data=key("data"), logs=key("logs"), secrets=key("secrets"), backups=key("backups")),
    )
