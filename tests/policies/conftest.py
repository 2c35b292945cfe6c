"""One running pack per configuration for the whole module: starting it costs ~0.6 s."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tools.analyzer import PolicyPackSession, Res
from tools.wire import UNKNOWN

PACK = "policies"
PROVIDER = {
    "type": "pulumi:providers:aws",
    "urn": "urn:pulumi:test::test::pulumi:providers:aws::primary",
    "name": "primary",
    "inputs": {
        "region": "us-east-1",
        "defaultTags": '{"tags": {"Project": "Elite Locadora", "Environment": "test", "ManagedBy": "Pulumi"}}',
    },
}


@pytest.fixture(scope="session")
def pack():
    """The pack with every policy mandatory, so that each verdict shows whatever the default level."""
    with PolicyPackSession(PACK, config={"all": "mandatory"}) as session:
        yield session


def changed(inputs: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of inputs with dotted paths set ("a.b.0.c"); the value DELETE removes the key, UNKNOWN makes it unknown."""
    out = copy.deepcopy(inputs)
    for path, value in changes.items():
        target: Any = out
        parts = path.split(".")
        for p in parts[:-1]:
            target = target[int(p)] if p.isdigit() else target.setdefault(p, {})
        last = parts[-1]
        key: Any = int(last) if last.isdigit() else last
        if value is DELETE:
            del target[key]
        else:
            target[key] = UNKNOWN if value is UNKNOWN else value
    return out


DELETE = object()


def res(type_: str, inputs: dict[str, Any], name: str = "subject", **kw: Any) -> Res:
    return Res(type=type_, inputs=inputs, name=name, provider=kw.pop("provider", PROVIDER), **kw)
