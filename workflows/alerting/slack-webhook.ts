import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { ConfigurationError } from '../backup/errors';

/**
 * Where the Slack notifier finds its webhook URL, from the environment the CDK stack sets
 * (infra/constructs/slack-notifier.ts). Only the NAME travels in the environment; the URL — which is the credential —
 * is fetched at run time and never logged.
 * - SLACK_WEBHOOK_PARAMETER: an SSM SecureString parameter holding the URL.
 * - SLACK_WEBHOOK_SECRET: a Secrets Manager secret whose string is the URL.
 */
export type SlackWebhookSettings = { source: 'ssm'; parameterName: string } | { source: 'secrets-manager'; secretName: string };

/** Seconds a fetched URL is reused before it is read again (so a rotated webhook is picked up). */
export const WEBHOOK_MAX_AGE_SECONDS = 300;

/** Reads the settings once; fails fast naming the variables. */
export function readSlackWebhookSettings(env: NodeJS.ProcessEnv = process.env): SlackWebhookSettings {
  const parameterName = env['SLACK_WEBHOOK_PARAMETER'];
  const secretName = env['SLACK_WEBHOOK_SECRET'];
  if (parameterName && secretName) {
    throw new ConfigurationError('Set only one of SLACK_WEBHOOK_PARAMETER and SLACK_WEBHOOK_SECRET (the webhook URL comes from one place)');
  }
  if (parameterName) return { source: 'ssm', parameterName };
  if (secretName) return { source: 'secrets-manager', secretName };
  throw new ConfigurationError(
    'SLACK_WEBHOOK_PARAMETER (an SSM SecureString parameter name) or SLACK_WEBHOOK_SECRET (a Secrets Manager secret name) must be set',
  );
}

/**
 * The webhook URL, cached by Powertools for WEBHOOK_MAX_AGE_SECONDS. Refuses anything but an https URL, with a
 * message naming where it looked but not what it found.
 */
export async function loadSlackWebhookUrl(settings: SlackWebhookSettings): Promise<string> {
  const where = settings.source === 'ssm' ? `SSM parameter ${settings.parameterName}` : `secret ${settings.secretName}`;
  let value: unknown;
  try {
    value =
      settings.source === 'ssm'
        ? await getParameter(settings.parameterName, { decrypt: true, maxAge: WEBHOOK_MAX_AGE_SECONDS })
        : await getSecret(settings.secretName, { maxAge: WEBHOOK_MAX_AGE_SECONDS });
  } catch (err) {
    // Thrown on: the invocation fails and Lambda retries it; the SDK's message says why (not found, access denied, …).
    throw new SlackWebhookUnavailable(`Reading the Slack webhook URL from the ${where} failed: ${(err as Error).message}`, { cause: err });
  }
  const url = typeof value === 'string' ? value.trim() : '';
  if (!isHttpsUrl(url)) throw new ConfigurationError(`The ${where} must hold the Slack incoming-webhook URL (https://…)`);
  return url;
}

/** The webhook URL could not be read (missing, not allowed, throttled). */
export class SlackWebhookUnavailable extends Error {
  override readonly name = 'SlackWebhookUnavailable';
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}
