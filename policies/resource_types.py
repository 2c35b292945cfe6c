"""The type-token tables the themes match resources by, aliases included (aws:alb/* is the older module name
of aws:lb/*): the Python SDK has no typed per-type validation, so every theme reads its types from here."""

LOAD_BALANCERS = frozenset(
    {
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:alb/loadBalancer:LoadBalancer",
        "aws:elasticloadbalancingv2/loadBalancer:LoadBalancer",
    }
)
LISTENERS = frozenset(
    {"aws:lb/listener:Listener", "aws:alb/listener:Listener", "aws:elasticloadbalancingv2/listener:Listener"}
)
LISTENER_RULES = frozenset(
    {
        "aws:lb/listenerRule:ListenerRule",
        "aws:alb/listenerRule:ListenerRule",
        "aws:elasticloadbalancingv2/listenerRule:ListenerRule",
    }
)
RDS_INSTANCES = frozenset({"aws:rds/instance:Instance"})
RDS_CLUSTERS = frozenset({"aws:rds/cluster:Cluster"})
RDS_ALL = RDS_INSTANCES | RDS_CLUSTERS
RDS_PARAMETER_GROUPS = frozenset(
    {"aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup"}
)
REPLICATION_GROUPS = frozenset({"aws:elasticache/replicationGroup:ReplicationGroup"})
CACHE_CLUSTERS = frozenset({"aws:elasticache/cluster:Cluster"})
CLUSTER_INSTANCES = frozenset({"aws:rds/clusterInstance:ClusterInstance"})
EBS_VOLUMES = frozenset({"aws:ebs/volume:Volume"})
EC2_INSTANCES = frozenset({"aws:ec2/instance:Instance"})
LAUNCH_TEMPLATES = frozenset({"aws:ec2/launchTemplate:LaunchTemplate"})
EFS = frozenset({"aws:efs/fileSystem:FileSystem"})
DYNAMODB_TABLES = frozenset({"aws:dynamodb/table:Table"})
# Classic Load Balancers: aws:elb/* is the module, aws:elasticloadbalancing/* its pre-v4 alias.
CLASSIC_LBS = frozenset(
    {"aws:elb/loadBalancer:LoadBalancer", "aws:elasticloadbalancing/loadBalancer:LoadBalancer"}
)
CLASSIC_LISTENER_POLICIES = frozenset(
    {"aws:elb/listenerPolicy:ListenerPolicy", "aws:elasticloadbalancing/listenerPolicy:ListenerPolicy"}
)
CLASSIC_LB_POLICIES = frozenset(
    {
        "aws:elb/loadBalancerPolicy:LoadBalancerPolicy",
        "aws:elasticloadbalancing/loadBalancerPolicy:LoadBalancerPolicy",
    }
)
CLASSIC_SSL_POLICIES = frozenset(
    {
        "aws:elb/sslNegotiationPolicy:SslNegotiationPolicy",
        "aws:elasticloadbalancing/sslNegotiationPolicy:SslNegotiationPolicy",
    }
)
SUBNETS = frozenset({"aws:ec2/subnet:Subnet"})
ROLES = frozenset({"aws:iam/role:Role"})
BUCKETS = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
BUCKET_ENCRYPTION = frozenset(
    {
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    }
)
BUCKET_VERSIONING = frozenset(
    {"aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"}
)
BUCKET_POLICIES = frozenset({"aws:s3/bucketPolicy:BucketPolicy"})
BUCKET_PUBLIC_ACCESS = frozenset({"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"})
SEARCH_DOMAINS = frozenset({"aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain"})
SECURITY_GROUPS = frozenset({"aws:ec2/securityGroup:SecurityGroup"})
INGRESS_RULES = frozenset({"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"})
LEGACY_RULES = frozenset({"aws:ec2/securityGroupRule:SecurityGroupRule"})
CLOUDFRONT = frozenset({"aws:cloudfront/distribution:Distribution"})
# A key's policy is an argument of the key, of a multi-Region replica key, or a resource of its own.
KEY_POLICIES = frozenset({"aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/keyPolicy:KeyPolicy"})
WAF_ASSOCIATIONS = frozenset(
    {"aws:wafv2/webAclAssociation:WebAclAssociation", "aws:wafregional/webAclAssociation:WebAclAssociation"}
)
# Compute, IAM and network tables the themes share.
ECS_SERVICES = frozenset({"aws:ecs/service:Service"})
ECS_CLUSTERS = frozenset({"aws:ecs/cluster:Cluster"})
CAPACITY_PROVIDERS = frozenset({"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"})
TASK_DEFINITIONS = frozenset({"aws:ecs/taskDefinition:TaskDefinition"})
ECR_REPOSITORIES = frozenset({"aws:ecr/repository:Repository"})
DB_SUBNET_GROUPS = frozenset({"aws:rds/subnetGroup:SubnetGroup"})
EGRESS_RULES = frozenset({"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"})
ROLE_INLINE_POLICIES = frozenset({"aws:iam/rolePolicy:RolePolicy"})
ROLE_POLICY_ATTACHMENTS = frozenset({"aws:iam/rolePolicyAttachment:RolePolicyAttachment"})
# A role's permissions live in these resources (the role's own inlinePolicies/managedPolicyArns are created with it).
ROLE_POLICY_TYPES = {
    "aws:iam/rolePolicy:RolePolicy": "role",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "role",
    "aws:iam/policyAttachment:PolicyAttachment": "roles",
    "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive": "roleName",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "roleName",
}
# Resources that carry an IAM policy document (a role its inline policies).
IAM_POLICY_TYPES = frozenset(
    {
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
        "aws:iam/role:Role",
    }
)
# Resources that attach a managed policy to a principal (a role its managedPolicyArns).
ADMIN_ATTACHMENT_TYPES = frozenset(
    {
        "aws:iam/role:Role",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
        "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
        "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
    }
)
