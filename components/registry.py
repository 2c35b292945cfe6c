"""Container registry: the guide's two ECR repositories, their lifecycle, and their copy in the DR region.

Images are scanned on push, tags are IMMUTABLE (a release tag is a git SHA and names one image forever), and
layers are encrypted with the primary region's data key. A lifecycle policy never expires the release the stack
runs (the tag pinned in `compute.images`), expires untagged images (layers of superseded pushes) and keeps the
newest releases. ECR's replication configuration belongs to the *registry*
(one per account and region), so only a stack whose settings ask for it (prod) writes it; it copies exactly
these repositories to the DR region, where a repository creation template gives the replicas the same
immutability, DR-region KMS encryption and lifecycle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionContext
from settings.registry import RegistrySettings

from .iam import document, service_trust

# The two applications of the guide; the ECR repositories and task families are named after them.


def lifecycle_policy(untagged_days: int, keep_releases: int, running_tags: list[str] = ()) -> str:
    """ECR lifecycle policy JSON: never expire the images the stack runs (`running_tags`), expire untagged images
    after `untagged_days`, keep the newest `keep_releases` tagged images.

    ECR has no "keep" action; what keeps an image is a rule of higher priority (lower number, evaluated first)
    whose tagging requirements it matches: such an image cannot be expired by a rule of lower priority (ECR user
    guide, "How lifecycle policies work"). So each running tag gets its own rule first — a `tagPatternList`
    selects images carrying ALL its patterns, hence one rule per tag — selecting exactly that image (an exact
    pattern; tags are IMMUTABLE) and expiring only beyond 1 image, i.e. never. The `any` rule must come last."""
    keep_running = [
        {
            "rulePriority": i + 1,
            "description": f"Never expire {tag}: a release the stack runs",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": [tag],
                "countType": "imageCountMoreThan",
                "countNumber": 1,
            },
            "action": {"type": "expire"},
        }
        for i, tag in enumerate(sorted(set(running_tags)))
    ]
    first = len(keep_running) + 1
    return json.dumps(
        {
            "rules": [
                *keep_running,
                {
                    "rulePriority": first,
                    "description": f"Expire untagged images {untagged_days} days after push",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": untagged_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": first + 1,
                    "description": f"Keep the newest {keep_releases} releases",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": keep_releases,
                    },
                    "action": {"type": "expire"},
                },
            ]
        }
    )


def replica_creation_policy(replica_arns: list[str], key_arn: str) -> str:
    """What ECR needs, as the creation template's role, to create the DR replicas and encrypt them with the DR
    key (ECR user guide, "Create a custom policy for repository creation templates"), scoped to them."""
    return document(
        [
            {
                "Sid": "CreateReplicas",
                "Effect": "Allow",
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"],
                "Resource": sorted(replica_arns),
            },
            {
                "Sid": "EncryptReplicas",
                "Effect": "Allow",
                "Action": ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"],
                "Resource": key_arn,
            },
        ]
    )


@dataclass
class RegistryArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>` (the replica-creation role)."""
    repository_names: dict[str, str]
    """Repository name per application (`frontend`, `backend`): the guide's names in prod."""
    running_tags: dict[str, str]
    """Image tag the stack runs per application (empty while bootstrapping): never expired."""
    settings: RegistrySettings
    """Lifecycle and DR replication settings."""
    protect: bool
    """Protect the repositories (their images are the releases that run)."""
    region: RegionContext
    """The region of the repositories: its data key encrypts the images."""
    dr: RegionContext
    """The region the repositories are replicated to (the replicas' creation template lives there, its data key
    encrypts the replicated images)."""


class Registry(pulumi.ComponentResource):
    repository_urls: dict[str, pulumi.Output[str]]
    repository_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:compute:Registry", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)
        s = args.settings
        repos = {}
        for app, repo_name in args.repository_names.items():
            tags = [args.running_tags[app]] if app in args.running_tags else []
            policy = lifecycle_policy(s.untagged_expiry_days, s.keep_releases, tags)
            repo = aws.ecr.Repository(
                f"{name}-{app}",
                name=repo_name,
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration={"scan_on_push": True},
                encryption_configurations=[{"encryption_type": "KMS", "kms_key": args.region.keys.data}],
                # A protected repository is never emptied by a delete; staging's may be.
                force_delete=not args.protect,
                tags={"Application": app},
                opts=stateful,
            )
            aws.ecr.LifecyclePolicy(f"{name}-{app}", repository=repo.name, policy=policy, opts=child)
            repos[app] = repo
        self.repository_urls = {app: r.repository_url for app, r in repos.items()}
        self.repository_arns = {app: r.arn for app, r in repos.items()}

        if s.replicate_to_dr:
            # One template for both replicas: it keeps either application's running tag (a pattern that matches
            # no image of a repository selects nothing there).
            self._create_replication(
                lifecycle_policy(s.untagged_expiry_days, s.keep_releases, list(args.running_tags.values()))
            )

        self.register_outputs(
            {
                **{f"{app}_repository_url": url for app, url in self.repository_urls.items()},
                **{f"{app}_repository_arn": arn for app, arn in self.repository_arns.items()},
            }
        )

    def _create_replication(self, policy: str) -> None:
        a = self._args
        account, partition = a.region.account_id, a.region.partition
        names = sorted(a.repository_names.values())
        # ECR creates the replicas on the first replicated push; a creation template in the DR region gives them
        # what the primaries have (without one they would be MUTABLE, AES256 and never expire). A template's
        # prefix is a namespace (`x` means `x/`), so the one that matches un-namespaced repositories is ROOT:
        # like the replication configuration it is registry-wide, and only the filtered repositories replicate.
        # A template with a customer-managed key needs a role ECR assumes to create the repository and its grant.
        role = aws.iam.Role(
            f"{self._name}-dr-template",
            name=f"{a.name_prefix}-ecr-replica-creation",
            description="ECR creates the DR replicas of the release repositories with this role",
            assume_role_policy=account.apply(lambda acct: service_trust("ecr.amazonaws.com", acct)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        grant = aws.iam.RolePolicy(
            f"{self._name}-dr-template",
            role=role.id,
            policy=pulumi.Output.all(partition, account, a.dr.keys.data).apply(
                lambda v: replica_creation_policy(
                    [f"arn:{v[0]}:ecr:{a.dr.name}:{v[1]}:repository/{n}" for n in names], v[2]
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.ecr.RepositoryCreationTemplate(
            f"{self._name}-dr-template",
            prefix="ROOT",
            applied_fors=["REPLICATION"],
            description=f"Replicas in {a.dr.name}: immutable, DR KMS key, the primaries' lifecycle",
            image_tag_mutability="IMMUTABLE",
            encryption_configurations=[{"encryption_type": "KMS", "kms_key": a.dr.keys.data}],
            lifecycle_policy=policy,
            custom_role_arn=role.arn,
            # ECR uses the role when it creates a replica: its permissions come with it.
            opts=pulumi.ResourceOptions(parent=self, provider=a.dr.provider, depends_on=[grant]),
        )
        aws.ecr.ReplicationConfiguration(
            f"{self._name}-replication",
            replication_configuration={
                "rules": [
                    {
                        "destinations": [{"region": a.dr.name, "registry_id": account}],
                        # Exactly these repositories: a prefix filter naming each one.
                        "repository_filters": [{"filter": n, "filter_type": "PREFIX_MATCH"} for n in names],
                    }
                ]
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
