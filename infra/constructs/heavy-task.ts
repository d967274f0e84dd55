import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import type { HeavyTierConfig } from '../config/types';
import { REPO_ROOT } from '../paths';

export interface HeavyTaskProps {
  readonly tier: HeavyTierConfig;
  /** Copier settings (destination, GCS auth names, Powertools); the ASL adds the object and the task token per run. */
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The heavy tier: a Fargate task (arm64, Node 22) built from the repository's Dockerfile with the same copy engine, for
 * objects too big or slow for a Lambda. It runs in a VPC with public subnets only and NO NAT gateway — the task gets a
 * public IP and talks to S3 (through a free gateway endpoint), GCS and Step Functions directly; a NAT gateway would add
 * $0.045 per GB copied. Its security group allows no inbound traffic and only HTTPS out.
 */
export class HeavyTask extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly cluster: ecs.Cluster;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HeavyTaskProps) {
    super(scope, id);

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false }],
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        Rejected: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.REJECT },
      },
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: 'Heavy copy tasks: no inbound, HTTPS out to S3, GCS and Step Functions',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS and Google APIs');

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.tier.cpu,
      memoryLimitMiB: props.tier.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.container = this.taskDefinition.addContainer('Copier', {
      containerName: 'copier',
      // Built by `cdk deploy` (needs Docker there); synth only stages the build context, filtered by .dockerignore.
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, { file: 'Dockerfile', platform: Platform.LINUX_ARM64 }),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'heavy' }),
      // The engine streams and never writes to disk, so the root filesystem can be read-only.
      readonlyRootFilesystem: true,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      // An init process as PID 1 forwards StopTask's SIGTERM to node and reaps children; node then aborts the copy and
      // sends SendTaskFailure "the task was stopped" (handlers/heavy-task.ts), so the state retries at once instead of
      // after HeartbeatSeconds.
      linuxParameters: new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true }),
      // SIGKILL follows SIGTERM after this (Fargate: default 30 s, at most 120 s). Aborting the copy and reporting,
      // SDK retries and the task's own report retries (REPORT_RETRY: at most 7.5 s of waits) fit well within it.
      stopTimeout: Duration.seconds(30),
    });

    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds names and settings only (bucket, prefix, parameter/secret NAMES); credentials are fetched at run time.',
    });
    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken (image pull by the execution role) supports no resource-level permissions.',
    });
  }

  /**
   * Lets `grantee` (the state machine) run this task definition on this cluster only, tag the tasks it starts (the ASL
   * propagates the task definition's tags, and ECS authorizes tag-on-create separately), and pass the two roles to ECS.
   */
  grantRun(grantee: iam.IGrantable & IConstruct): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [this.taskDefinition.taskDefinitionArn],
        conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.taskDefinition.taskRole.roleArn, this.taskDefinition.obtainExecutionRole().roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
  }

}
