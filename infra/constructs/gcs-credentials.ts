import { Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { GcsAuthConfig } from '../config/types';

export interface GcsCredentialsProps {
  readonly auth: GcsAuthConfig;
}

/**
 * Where the copiers find their Google credentials. The SSM parameter or secret is created outside this stack (it
 * holds another cloud's settings and is set up once, see docs/deploy.md); this construct only references it by name,
 * grants read access, and produces the settings workflows/copy/gcs-credentials.ts reads. No value enters the template.
 */
export class GcsCredentials extends Construct {
  /** Settings for every copier: GCS_AUTH_MODE plus the parameter or secret NAME. */
  public readonly environment: Readonly<Record<string, string>>;
  private readonly readable: { grantRead(grantee: iam.IGrantable): iam.Grant };

  constructor(scope: Construct, id: string, props: GcsCredentialsProps) {
    super(scope, id);
    const auth = props.auth;
    if (auth.mode === 'workload-identity') {
      this.readable = ssm.StringParameter.fromStringParameterName(this, 'WifConfig', auth.configParameterName);
      this.environment = { GCS_AUTH_MODE: auth.mode, GCS_WIF_CONFIG_PARAMETER: auth.configParameterName };
    } else {
      this.readable = secretsmanager.Secret.fromSecretNameV2(this, 'ServiceAccountKey', auth.secretName);
      this.environment = { GCS_AUTH_MODE: auth.mode, GCS_CREDENTIALS_SECRET: auth.secretName };
    }
  }

  /**
   * The attribute condition the Workload Identity pool provider must have so that only `roles` can obtain Google
   * credentials from this AWS account: `attribute.aws_role in [...]`, with the provider's default AWS attribute mapping
   * (attribute.aws_role = arn:aws:sts::ACCOUNT:assumed-role/ROLE). Set it with
   * `gcloud iam workload-identity-pools providers update-aws … --attribute-condition=…` (docs/deploy.md).
   * https://cloud.google.com/iam/docs/workload-identity-federation-with-other-clouds#conditions
   */
  attributeConditionFor(roles: readonly iam.IRole[]): string {
    const account = Stack.of(this).account;
    const partition = Stack.of(this).partition;
    return Fn.join('', ['attribute.aws_role in [', Fn.join(', ', roles.map((r) => Fn.join('', [`'arn:`, partition, ':sts::', account, ':assumed-role/', r.roleName, `'`]))), ']']);
  }

  /** Lets `grantee` read the credential configuration (and nothing else in SSM / Secrets Manager). */
  grantRead(grantee: iam.IGrantable): void {
    this.readable.grantRead(grantee);
  }
}
