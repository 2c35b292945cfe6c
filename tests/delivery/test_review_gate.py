"""A review stack is deployed on request: tools/review_gate.py lets an update through only when the pull request
(its number ends the review stack's name) carries the label; closing, the TTL and previews always pass."""

from __future__ import annotations

import pytest

from tools.review_gate import decide

REPO = "elite-locadora/elite-locadora-platform"
STACK = "pr-pulumi-elite-locadora-elite-locadora-42"


def _labels(*names: str):
    calls: list[tuple[str, str]] = []

    def fetch(url: str, token: str) -> list[dict]:
        calls.append((url, token))
        return [{"name": n} for n in names]

    return fetch, calls


def test_an_update_with_the_label_deploys():
    fetch, calls = _labels("bug", "review-stack")
    env = {"PULUMI_CI_OPERATION": "update", "PULUMI_CI_STACK": STACK, "GITHUB_TOKEN": "t"}
    proceed, why = decide(env, REPO, "review-stack", fetch)
    assert proceed, why
    assert calls == [(f"https://api.github.com/repos/{REPO}/issues/42/labels", "t")], calls


def test_an_update_without_the_label_deploys_nothing_and_says_how_to_ask():
    fetch, _ = _labels("bug")
    env = {"PULUMI_CI_OPERATION": "update", "PULUMI_CI_STACK": STACK}
    proceed, why = decide(env, REPO, "review-stack", fetch)
    assert not proceed and "#42" in why and "Add the label" in why, why


@pytest.mark.parametrize("operation", ["destroy", "preview", "refresh"])
def test_other_operations_pass_without_asking_github(operation):
    fetch, calls = _labels()
    proceed, why = decide({"PULUMI_CI_OPERATION": operation, "PULUMI_CI_STACK": STACK}, REPO, "x", fetch)
    assert proceed and not calls, why


def test_a_stack_without_a_pull_request_number_is_refused():
    fetch, calls = _labels("review-stack")
    proceed, why = decide({"PULUMI_CI_OPERATION": "update", "PULUMI_CI_STACK": "review"}, REPO, "x", fetch)
    assert not proceed and not calls and "not a review stack" in why, why
