import * as path from 'node:path';
import { Annotations, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { stageNativeModules } from '../bundling/native-modules';
import { REPO_ROOT } from '../paths';

export interface BackupFunctionProps {
  /** Handler file, relative to the repository root, e.g. 'handlers/copy-object.ts'. */
  readonly entry: string;
  readonly description: string;
  /** POWERTOOLS_SERVICE_NAME: the `service` key of every log line and metric. */
  readonly serviceName: string;
  /** POWERTOOLS_METRICS_NAMESPACE shared by all functions of a deployment. */
  readonly metricsNamespace: string;
  /** (Default: 256) */
  readonly memoryMiB?: number;
  /** (Default: 30 seconds) */
  readonly timeout?: Duration;
  /** Reserved concurrency: the most instances at once, guaranteed to this function. (Default: none, the account's pool) */
  readonly reservedConcurrency?: number;
  /** Retention of the function's own log group. */
  readonly logRetention: logs.RetentionDays;
  /** Settings for the handler (names of resources, thresholds — never secrets). (Default: none) */
  readonly environment?: Record<string, string>;
  /**
   * napi-rs native addons the handler imports (e.g. '@node-rs/crc32'): kept out of the bundle and shipped with their
   * linux-arm64 binding (see infra/bundling/native-modules.ts). (Default: none)
   */
  readonly nativeModules?: readonly string[];
}

/**
 * A Lambda function as every function of this system is built: NodejsFunction bundled locally with esbuild (no Docker),
 * nodejs22.x on arm64, source maps on, JSON logs to its own log group with retention, X-Ray tracing, Powertools
 * logger/metrics settings, and a role that may write only to that log group. Every deploy publishes a version, and
 * `alias` ('live') points at it: callers invoke the alias, so each execution names the exact code it ran and a
 * rollback is an alias move.
 */
export class BackupFunction extends Construct {
  public readonly function: NodejsFunction;
  /** The alias callers must invoke. */
  public readonly alias: lambda.Alias;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BackupFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: it can write to this function's log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.serviceName}: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    const nativeModules = props.nativeModules ?? [];
    const missingBindings: string[] = [];
    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMiB ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      ...(props.reservedConcurrency !== undefined && { reservedConcurrentExecutions: props.reservedConcurrency }),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        // Bundle our pinned SDK versions rather than the runtime's, so the code runs what the tests ran.
        bundleAwsSDK: true,
        format: OutputFormat.CJS,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        forceDockerBundling: false,
        externalModules: [...nativeModules],
        ...(nativeModules.length > 0 && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            // Runs only when this stack is actually bundled (not in tests that skip bundling).
            afterBundling: (_inputDir: string, outputDir: string) => {
              const staging = stageNativeModules(nativeModules, outputDir, { repoRoot: REPO_ROOT });
              missingBindings.push(...staging.missing);
              return staging.commands;
            },
          },
        }),
      },
    });
    if (missingBindings.length > 0) {
      Annotations.of(this).addWarningV2(
        's3gcs:native-binding-missing',
        `Bundled WITHOUT ${[...new Set(missingBindings)].join(', ')} (not installed, not cached, and the npm registry was not reachable): ` +
          'this function would fail at cold start on Lambda arm64. Synthesize once with registry access before deploying.',
      );
    }
    this.alias = new lambda.Alias(this, 'Live', { aliasName: 'live', version: this.function.currentVersion });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is deliberate: the code, its tests and the local runner all run on Node 22 (package.json engines).',
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
  }

  /** Sets a handler setting; chainable with grants so a setting and its permission are added together. */
  addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }
}
