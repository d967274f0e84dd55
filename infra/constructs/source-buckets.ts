import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import type { DeploymentConfig, ResolvedSourceBucket } from '../config/validate';
import { nagResourceName } from './nag';

/**
 * The name a bucket the stack creates (`create: true`) gets: the configured name, the account and the region. Bucket
 * names are global, so the same stage deployed to two accounts or regions must not claim the same one. Tokens
 * (resolved at deploy) when the stage does not pin its account and region; validation keeps the whole within 63.
 */
export function createdBucketName(configured: string, stack: Stack): string {
  return `${configured}-${stack.account}-${stack.region}`;
}

/**
 * `config` with each created bucket under its physical name (createdBucketName), everywhere a bucket name is used:
 * the buckets themselves (event patterns, alarms, IAM) and the destination layout the copiers name objects by.
 */
export function withPhysicalBucketNames(config: DeploymentConfig, stack: Stack): DeploymentConfig {
  const physical = new Map(config.sourceBuckets.map((b) => [b.name, b.create ? createdBucketName(b.name, stack) : b.name]));
  const rename = (name: string): string => physical.get(name) ?? name;
  const layout = config.destination.layout;
  return {
    ...config,
    sourceBuckets: config.sourceBuckets.map((b) => ({ ...b, name: rename(b.name) })),
    destination: {
      ...config.destination,
      layout:
        layout.kind === 'legacy'
          ? { kind: 'legacy', sourceBucket: rename(layout.sourceBucket) }
          : {
              kind: 'by-source-bucket',
              ...(layout.bucketPrefixes && { bucketPrefixes: Object.fromEntries(Object.entries(layout.bucketPrefixes).map(([b, p]) => [rename(b), p])) }),
            },
    },
  };
}

export interface SourceBucketsProps {
  /** The configured buckets (existing by name, or created here), created ones under withPhysicalBucketNames' names. */
  readonly buckets: readonly ResolvedSourceBucket[];
}

export interface SourceBucket {
  readonly config: ResolvedSourceBucket;
  readonly bucket: s3.IBucket;
}

/**
 * The buckets being backed up, and the only read access to them anyone in this system gets. Existing buckets are
 * imported by name (their policy, encryption and notifications are not managed here). Buckets with `create: true` are
 * created versioned, encrypted, private and TLS-only, with access logs to a shared log bucket, and are deleted with
 * the stack (their name carries the account and region: createdBucketName).
 */
export class SourceBuckets extends Construct {
  public readonly buckets: readonly SourceBucket[];

  constructor(scope: Construct, id: string, props: SourceBucketsProps) {
    super(scope, id);
    const toCreate = props.buckets.filter((b) => b.create);
    const accessLogs = toCreate.length > 0 ? this.createAccessLogBucket() : undefined;

    this.buckets = props.buckets.map((config, i) => ({
      config,
      bucket: config.create
        ? new s3.Bucket(this, `Bucket${i}`, {
            bucketName: config.name,
            versioned: true,
            encryption: s3.BucketEncryption.S3_MANAGED,
            blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
            enforceSSL: true,
            objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            serverAccessLogsBucket: accessLogs,
            serverAccessLogsPrefix: `${config.name}/`,
            // Its name is fixed per account and region, so a retained copy would make the next deploy fail with
            // "already exists" after a stack delete or a failed first deploy. A bucket the stack creates is the
            // stack's: the rollback of a failed deploy removes it (still empty), and a stack delete removes it once
            // emptied. Data that must outlive the stack belongs in a bucket you own (`create: false`).
            removalPolicy: RemovalPolicy.DESTROY,
          })
        : s3.Bucket.fromBucketName(this, `Bucket${i}`, config.name),
    }));
  }

  /**
   * Lets `grantee` read the configured objects and nothing else: GetObject/GetObjectVersion on each configured prefix
   * (or the whole bucket), ListBucket on the bucket (so a missing key is a 404, not a 403 — the copier maps 404 to the
   * benign `source-gone`), and kms:Decrypt through S3 on configured SSE-KMS keys.
   */
  grantRead(grantee: iam.IGrantable & IConstruct): void {
    const objectArns = this.buckets.flatMap(({ config, bucket }) =>
      config.prefixes.length === 0 ? [bucket.arnForObjects('*')] : config.prefixes.map((p) => bucket.arnForObjects(`${p}*`)),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: objectArns }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: this.buckets.map(({ bucket }) => bucket.bucketArn) }),
    );
    for (const arn of objectArns) {
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, arn)}]`,
        reason: 'Object ARNs need a trailing wildcard; this one is limited to a configured source bucket and prefix.',
      });
    }
    const keyArns = this.buckets.flatMap(({ config }) => (config.kmsKeyArn ? [config.kmsKeyArn] : []));
    if (keyArns.length > 0) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: keyArns,
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
  }

  /** Names of the buckets, for event patterns and settings. */
  get names(): string[] {
    return this.buckets.map(({ config }) => config.name);
  }

  private createAccessLogBucket(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    return bucket;
  }
}
