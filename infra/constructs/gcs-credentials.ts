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

  /** Lets `grantee` read the credential configuration (and nothing else in SSM / Secrets Manager). */
  grantRead(grantee: iam.IGrantable): void {
    this.readable.grantRead(grantee);
  }
}
