"""A stack can be created and previewed before its secrets exist; an update cannot run without them.

Stripe's secret key is set by whoever holds the Stripe account (`pulumi config set --secret stripeSecretKey`), once
per stack, after the stack is created and before its first update (docs/operations.md). Until then the cloud
preview and the Deployments pre-run gate must still work, and `pulumi up` must stop with the command to run.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from types import SimpleNamespace

import pytest

from tests.render import WORKER
from tools.preview import ROOT, ProgramError, load_stack_config, run_program

STRIPE = "elite-locadora:stripeSecretKey"


def run_without_stripe(stack: str, preview: bool) -> int:
    """The real program under the offline mocks, its config without Stripe's key (the offline preview's own
    config loader gives every declared secret a placeholder, so the key is taken out here)."""
    config = load_stack_config(ROOT, stack)
    values = {k: v for k, v in config.values.items() if k != STRIPE}
    placeholders = {k: v for k, v in config.placeholders.items() if k != STRIPE}
    config = dataclasses.replace(config, values=values, placeholders=placeholders)
    try:
        monitor = run_program(ROOT, config, preview=preview)
    except ProgramError as exc:
        print("PROGRAM ERROR:", exc, "registered:", exc.registered)
        return 2
    print("REGISTERED", len(monitor.recorded))
    return 0


def _run(stack: str, preview: bool) -> SimpleNamespace:
    """A preview runs in the session's render worker (tests/render_worker.py: the SDK's state afresh, as in a new
    process, without importing the SDK again). An update that stops with an error runs in a process of its own:
    it stops at the settings, before any pulumi_aws resource class is imported (about a second of CPU), while
    the worker would be restarted after it (a run that raised may leave the SDK's state half torn down)."""
    if preview:
        code, stdout, stderr = WORKER.call(f"{__name__}:run_without_stripe", stack=stack, preview=True)
        return SimpleNamespace(returncode=code, stdout=stdout, stderr=stderr)
    script = f"import sys; from {__name__} import run_without_stripe; sys.exit(run_without_stripe({stack!r}, False))"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_a_preview_runs_before_stripes_key_is_set(stack):
    result = _run(stack, preview=True)
    out = result.stdout + result.stderr
    assert result.returncode == 0 and "REGISTERED" in result.stdout, (
        f"{stack}: preview without {STRIPE}:\n{out}"
    )
    assert "stripeSecretKey' is not set" in out and "pulumi config set --secret stripeSecretKey" in out, (
        f"{stack}: the preview says the key is missing and how to set it:\n{out[-2000:]}"
    )


def test_an_update_refuses_to_run_without_it():
    result = _run("staging", preview=False)
    out = result.stdout + result.stderr
    assert result.returncode == 2, f"staging: an update without {STRIPE} ran:\n{out[-2000:]}"
    assert "stripeSecretKey' is not set; nothing was changed" in out, out[-2000:]
    assert "pulumi config set --secret stripeSecretKey <Stripe secret key> -s staging" in out, out[-2000:]
    assert "registered: 0" in out, (
        f"the update stops before registering anything (nothing half-created):\n{out[-2000:]}"
    )
