"""Pulumi Deployments for one elite-locadora stack (this stack's name), and the AWS role it runs with.

- The IAM OIDC provider for Pulumi Cloud (`https://api.pulumi.com/oidc`, audience = our Pulumi organization),
  or the account's existing one.
- A role only that stack's deployments may assume (subject names organization, project, stack and each allowed
  operation; prod leaves out destroy), with what `pulumi up` of the program needs (access.py).
- The stack's deployment settings: the GitHub repository and branch, push-to-deploy (staging) or not (prod:
  tags + approval through .github/workflows/release.yml), the policy pack as a gate before every operation,
  the OIDC role, dependency caching, intermediate deployments skipped.
- Optionally, a Pulumi Cloud policy group per stack (the pack at its published version, with the stack's config,
  preventative) so that any update, not only a deployment, is checked; prod also publishes the pack version.
- Optionally (prod), GitHub Actions as a Pulumi OIDC issuer for exact subjects: workflows get short-lived Pulumi
  tokens, no stored PULUMI_ACCESS_TOKEN.
- Day two (day_two.py): a drift-detection schedule (prod daily, staging remediating) and a stack webhook to the
  on-call; for the `review` stack, the review-stack template: pull-request stacks deployed on request, judged by
  the pack, in the review account with a role that can touch nothing of prod or staging.

Run by hand once per stack (`cd deployments && pulumi up -s prod`); it is not deployed by Deployments itself,
so no deployment can change its own trust or permissions.
"""

from __future__ import annotations

import json
from pathlib import Path

import day_two
import pulumi
import pulumi_aws as aws
import pulumi_pulumiservice as ps
from access import (
    PULUMI_ISSUER,
    boundary_name,
    deployment_subjects,
    permissions_policy,
    trust_policy,
    workload_boundary,
)
from deploy_settings import NAMESPACE, PACK_DIR, TARGET_PROJECT, load

settings = load()
stack = settings.stack
region = pulumi.Config("aws").require("region")
provider = aws.Provider(
    "aws",
    region=region,
    default_tags={"tags": {"Project": "Elite Locadora", "Environment": stack, "ManagedBy": "Pulumi"}},
    # Each stack lives in its own account; credentials of any other account make every call fail before it is sent.
    allowed_account_ids=[settings.aws.account_id],
)
in_aws = pulumi.ResourceOptions(provider=provider)
invoke = pulumi.InvokeOutputOptions(provider=provider)
account = aws.get_caller_identity_output(opts=invoke).account_id
partition = aws.get_partition_output(opts=invoke).partition

# --- the Pulumi Cloud OIDC provider (one per account) ---
if settings.aws.oidc_provider == "create":
    oidc_provider_arn = aws.iam.OpenIdConnectProvider(
        "pulumi-oidc",
        url=f"https://{PULUMI_ISSUER}",
        client_id_lists=[settings.organization],
        opts=in_aws,
    ).arn
else:
    oidc_provider_arn = pulumi.Output.concat(
        "arn:", partition, ":iam::", account, f":oidc-provider/{PULUMI_ISSUER}"
    )

# --- the role the stack's deployments assume ---
role_name = f"{settings.name_prefix}-pulumi-deployments"
subjects = deployment_subjects(
    settings.organization, TARGET_PROJECT, stack, list(settings.deployment.operations)
)
role = aws.iam.Role(
    "deployments",
    name=role_name,
    description=f"Pulumi Deployments of {settings.organization}/{TARGET_PROJECT}/{stack}",
    assume_role_policy=oidc_provider_arn.apply(
        lambda arn: (
            day_two.review_trust_policy(
                arn,
                settings.organization,
                day_two.review_subject_patterns(
                    settings.organization,
                    TARGET_PROJECT,
                    settings.review.stack_pattern,
                    list(settings.deployment.operations),
                ),
            )
            if settings.review
            else trust_policy(arn, settings.organization, subjects)
        )
    ),
    max_session_duration=max(3600, settings.deployment.session_seconds),
    opts=in_aws,
)
aws.iam.RolePolicy(
    "deployments",
    role=role.id,
    policy=pulumi.Output.all(partition, account).apply(
        lambda v: day_two.with_isolation(
            permissions_policy(
                partition=v[0],
                account=v[1],
                # Review stacks name everything elite-locadora-rv<PR>-… (settings/review.py).
                name_prefix=day_two.REVIEW_NAME_GLOB if settings.review else settings.name_prefix,
                boundary_prefix=settings.name_prefix,
                role_name=role_name,
                regions=list(settings.aws.regions),
                guard_stateful_deletes=settings.aws.guard_stateful_deletes,
            ),
            v[1],
            settings.review,
        )
    ),
    opts=pulumi.ResourceOptions(provider=provider, parent=role),
)

# --- the boundary every role of the stack must carry (the Deployments role creates none without it) ---
boundary = aws.iam.Policy(
    "workload-boundary",
    name=boundary_name(settings.name_prefix),
    description=f"Most any role of {TARGET_PROJECT}/{stack} may do: the stack's services and regions, no IAM",
    policy=pulumi.Output.all(partition, account).apply(
        lambda v: workload_boundary(
            partition=v[0],
            account=v[1],
            # Review stacks (elite-locadora-rv<PR>-…) share the review template's boundary.
            name_prefix=day_two.REVIEW_NAME_GLOB if settings.review else settings.name_prefix,
            regions=list(settings.aws.regions),
        )
    ),
    opts=in_aws,
)

# --- the stack's deployment settings ---
pack_config = f"policies/config/{stack}.json"
deployment_settings = ps.DeploymentSettings(
    "settings",
    organization=settings.organization,
    project=TARGET_PROJECT,
    stack=stack,
    source_context=ps.DeploymentSettingsSourceContextArgs(
        git=ps.DeploymentSettingsGitSourceArgs(
            branch=f"refs/heads/{settings.deployment.branch}", repo_dir="."
        )
    ),
    vcs=ps.DeploymentSettingsVcsArgs(
        provider="github",
        repository=settings.repository,
        # Prod: no push deploys. Pulumi Cloud can also deploy on a matching git tag (`deployTags`/`tagFilters`), but
        # pulumi-pulumiservice 1.5.0's DeploymentSettingsVcsArgs has no such field, and a tag alone carries no
        # approval: release.yml starts prod's deployment for a v* tag after the `production` environment's review.
        deploy_commits=settings.deployment.deploy_commits,
        # PR previews run in .github/workflows/checks.yml (offline and, with OIDC, in the cloud) with the pack.
        preview_pull_requests=False,
        # The review-stack template: Pulumi Cloud creates a stack from it for each PR that changes the program.
        pull_request_template=settings.review is not None,
        paths=settings.trigger_paths,
    ),
    operation_context=ps.DeploymentSettingsOperationContextArgs(
        # The policy gate: a preview with the pack and the stack's pack config must pass (a mandatory violation
        # exits non-zero) before the operation runs. The pack's own virtualenv is the one PulumiPolicy.yaml names.
        pre_run_commands=day_two.review_gate_commands(
            settings.organization, TARGET_PROJECT, settings.repository, settings.review
        )
        if settings.review
        else [
            "python -m venv policies/venv",
            "policies/venv/bin/pip install --quiet -r policies/requirements.txt",
            f"pulumi preview --stack {settings.organization}/{TARGET_PROJECT}/{stack} --non-interactive "
            f"--policy-pack policies --policy-pack-config {pack_config}",
        ],
        environment_variables={"PULUMI_SKIP_UPDATE_CHECK": "true"},
        oidc=ps.OperationContextOIDCArgs(
            aws=ps.AWSOIDCConfigurationArgs(
                role_arn=role.arn,
                session_name=f"pulumi-deployments-{stack}",
                duration=settings.deployment.session_duration,
            )
        ),
        options=ps.OperationContextOptionsArgs(skip_intermediate_deployments=True, shell="bash"),
    ),
    cache_options=ps.DeploymentSettingsCacheOptionsArgs(enable=True),
)

# --- Pulumi Cloud runs the pack on every update of the stack, whoever starts it (editions with policy groups) ---
if settings.policy_group is not None:
    group = settings.policy_group
    pack_opts = None
    if group.publish:
        pack = ps.PolicyPack(
            "policy-pack",
            name=group.pack,
            organization=settings.organization,
            # Relative to this program's directory, the working directory Pulumi runs it in: the same on every
            # machine, so the path never shows as a diff.
            source_path=PACK_DIR,
            version_tag=group.version,
            display_name="Elite Locadora guardrails",
        )
        pack_opts = pulumi.ResourceOptions(depends_on=[pack])
    ps.PolicyGroup(
        "policy-group",
        name=f"{settings.name_prefix}-guardrails",
        organization_name=settings.organization,
        entity_type="stacks",
        mode=group.mode,
        stacks=[ps.PolicyGroupStackReferenceArgs(name=stack, routing_project=TARGET_PROJECT)],
        policy_packs=[
            ps.PolicyGroupPolicyPackReferenceInputArgs(
                name=group.pack,
                version_tag=group.version,
                # The same per-stack config the offline preview and the pre-run gate use.
                config=json.loads((Path(__file__).resolve().parent.parent / pack_config).read_text()),
            )
        ],
        opts=pack_opts,
    )

# --- GitHub Actions may exchange their OIDC token for a short-lived Pulumi token (no stored PULUMI_ACCESS_TOKEN) ---
if settings.github_issuer is not None:
    issuer = settings.github_issuer
    # Exact subjects only. The release environment's jobs (after its reviewers approve a v* tag) get an organization
    # token: what starting prod's deployment needs. Nothing a branch, a tag alone or a pull request runs gets one.
    token_policies = [
        ps.AuthPolicyDefinitionArgs(
            decision=ps.AuthPolicyDecision.ALLOW,
            token_type=ps.AuthPolicyTokenType.ORGANIZATION,
            authorized_permissions=[ps.AuthPolicyPermissionLevel.STANDARD],
            rules={
                "aud": f"urn:pulumi:org:{settings.organization}",
                "sub": f"repo:{settings.repository}:environment:{issuer.release_environment}",
            },
        )
    ]
    preview = issuer.pull_request_preview
    if preview is not None:
        # Pull requests get a team token, and the team may only read (preview) the listed stacks: it can neither
        # update a stack nor start a deployment, and holds no permission on prod, so it decrypts none of prod's
        # secrets.
        team = ps.Team(
            "pull-request-preview",
            organization_name=settings.organization,
            team_type="pulumi",
            name=preview.team,
            display_name="Pull-request previews",
            description=f"GitHub Actions of {settings.repository} pull requests: preview {', '.join(preview.stacks)}",
        )
        for previewed in preview.stacks:
            ps.TeamStackPermission(
                f"pull-request-preview-{previewed}",
                organization=settings.organization,
                project=TARGET_PROJECT,
                stack=previewed,
                team=team.name,
                permission=ps.TeamStackPermissionScope.READ,
            )
        token_policies.append(
            ps.AuthPolicyDefinitionArgs(
                decision=ps.AuthPolicyDecision.ALLOW,
                token_type=ps.AuthPolicyTokenType.TEAM,
                team_name=team.name,
                rules={
                    "aud": f"urn:pulumi:org:{settings.organization}",
                    "sub": f"repo:{settings.repository}:pull_request",
                },
            )
        )
    ps.OidcIssuer(
        "github-actions",
        name="github-actions",
        organization=settings.organization,
        url="https://token.actions.githubusercontent.com",
        max_expiration_seconds=issuer.max_expiration_seconds,
        policies=token_policies,
    )

# --- day two: drift detection on a schedule, its result (and failed deployments) posted to the on-call ---
if settings.drift is not None:
    drift = ps.DriftSchedule(
        "drift",
        organization=settings.organization,
        project=TARGET_PROJECT,
        stack=stack,
        schedule_cron=settings.drift.schedule_cron,
        auto_remediate=settings.drift.auto_remediate,
        # Schedules run through the stack's deployment settings (its role, its policy gate).
        opts=pulumi.ResourceOptions(depends_on=[deployment_settings]),
    )
    pulumi.export("driftScheduleId", drift.schedule_id)
if settings.on_call is not None:
    ps.Webhook(
        "on-call",
        organization_name=settings.organization,
        project_name=TARGET_PROJECT,
        stack_name=stack,
        display_name=f"{settings.name_prefix} on-call",
        payload_url=pulumi.Config(NAMESPACE).require_secret(day_two.ON_CALL_URL_KEY),
        format=ps.WebhookFormat(settings.on_call.format),
        filters=[ps.WebhookFilters(event) for event in settings.on_call.events],
        active=settings.on_call.active,
    )

pulumi.export("targetStack", f"{settings.organization}/{TARGET_PROJECT}/{stack}")
pulumi.export("deploymentRoleArn", role.arn)
pulumi.export("pulumiOidcProviderArn", oidc_provider_arn)
pulumi.export("workloadBoundaryArn", boundary.arn)
pulumi.export("deployCommits", settings.deployment.deploy_commits)
