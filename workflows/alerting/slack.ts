/**
 * Turns a message from the alert topic into a Slack incoming-webhook payload, and posts it. The topic carries two
 * kinds of message: the alert about one object (the text built by ./execution-alert.ts, published by the alert
 * function when an execution ends) and CloudWatch alarm state changes (JSON). Anything else is passed on as text, so no alert
 * is dropped because its shape was unexpected.
 */

/** One notification from the alert topic (the `Sns` part of an SNS event record). */
export interface AlertNotification {
  subject?: string | null;
  message: string;
}

/** The subset of Slack Block Kit this notifier sends. */
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text?: { type: 'mrkdwn'; text: string }; fields?: { type: 'mrkdwn'; text: string }[] }
  | { type: 'actions'; elements: { type: 'button'; text: { type: 'plain_text'; text: string }; url: string }[] };

/** `text` (mrkdwn, escaped) is what notifications and clients without Block Kit show. */
export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

/** Slack's limits: header text 150 characters, section text 3000, a section field 2000, a button URL 3000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const URL_MAX = 3000;

/** The object alert's fields, as ./execution-alert.ts lays them out. */
export interface ObjectAlert {
  bucket: string;
  key: string;
  version: string;
  /** E.g. `FAILED at "Copy the object with the large Lambda"`. */
  status: string;
  error: string;
  cause: string;
  /** One entry per copier that failed, e.g. "the small Lambda failed with TierCapacityExceeded". */
  tried: string[];
  consoleUrl: string;
  replayCommand: string;
  /** Absent when a redrive cannot help (the execution failed at a Fail state of the definition). */
  redriveCommand?: string;
}

/**
 * Reads the state machine's alert text; undefined when the text is not in that layout. Labels before the cause are
 * searched from the start and those after it from the end, so a multi-line cause cannot shift the other fields.
 */
export function parseObjectAlert(message: string): ObjectAlert | undefined {
  const text = message.replace(/\r\n/g, '\n');
  const head = ['\nBucket: ', '\nKey: ', '\nVersion: ', '\nStatus: ', '\nError: ', '\nCause: '];
  const tail = ['\nCopiers tried:', '\n\nExecution (console): ', '\n\nAfter fixing the cause:\n'];
  const starts: number[] = [];
  let from = 0;
  for (const label of head) {
    const at = text.indexOf(label, from);
    if (at < 0) return undefined;
    starts.push(at);
    from = at + label.length;
  }
  let until = text.length;
  const tailStarts: number[] = [];
  for (const label of [...tail].reverse()) {
    const at = text.lastIndexOf(label, until - label.length);
    if (at < from) return undefined;
    tailStarts.unshift(at);
    until = at;
  }
  const labels = [...head, ...tail];
  const bounds = [...starts, ...tailStarts];
  const part = (i: number) => text.slice(bounds[i]! + labels[i]!.length, bounds[i + 1]);
  const commands = text.slice(tailStarts[2]! + tail[2]!.length).split('\n');
  const replayCommand = commands.find((line) => line.startsWith('aws stepfunctions start-execution '));
  const redriveCommand = commands.find((line) => line.startsWith('aws stepfunctions redrive-execution '));
  if (!replayCommand) return undefined;
  return {
    bucket: part(0),
    key: part(1),
    version: part(2),
    status: part(3),
    error: part(4),
    cause: part(5),
    tried: part(6)
      .split('\n')
      .map((line) => line.replace(/^\s*-\s*/, '').trim())
      .filter((line) => line !== ''),
    consoleUrl: part(7).trim(),
    replayCommand,
    ...(redriveCommand ? { redriveCommand } : {}),
  };
}

/** The fields of a CloudWatch alarm notification this notifier shows. */
interface AlarmNotification {
  AlarmName: string;
  AlarmDescription?: string | null;
  AlarmArn?: string;
  NewStateValue: string;
  NewStateReason?: string;
  StateChangeTime?: string;
}

function parseAlarm(message: string): AlarmNotification | undefined {
  if (!message.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(message) as Partial<AlarmNotification>;
    return typeof parsed.AlarmName === 'string' && typeof parsed.NewStateValue === 'string' ? (parsed as AlarmNotification) : undefined;
  } catch {
    return undefined;
  }
}

/** The Slack message for one alert-topic notification. */
export function formatSlackMessage(alert: AlertNotification): SlackPayload {
  const object = parseObjectAlert(alert.message);
  if (object) return objectAlertMessage(object);
  const alarm = parseAlarm(alert.message);
  if (alarm) return alarmMessage(alarm);
  const title = alert.subject?.trim() || 'S3 to GCS backup alert';
  return {
    text: truncate(escape(title), SECTION_MAX),
    blocks: [header(title), section(codeBlock(alert.message))],
  };
}

function objectAlertMessage(a: ObjectAlert): SlackPayload {
  const blocks: SlackBlock[] = [
    header('S3 object NOT backed up to GCS'),
    {
      type: 'section',
      fields: [
        field('Bucket', code(a.bucket)),
        field('Key', code(a.key)),
        field('Version', escape(a.version)),
        field('Status', escape(a.status)),
        field('Error', code(a.error)),
      ],
    },
    section(`*Cause*\n${codeBlock(a.cause)}`),
  ];
  if (a.tried.length > 0) blocks.push(section(`*Copiers tried*\n${a.tried.map((t) => `• ${escape(t)}`).join('\n')}`));
  if (a.redriveCommand) blocks.push(section(`*Redrive after fixing the cause* (resumes at the state that failed)\n${codeBlock(a.redriveCommand)}`));
  blocks.push(section(`*Replay* (a new execution from the start: after a change to the state machine, or when a redrive is refused)\n${codeBlock(a.replayCommand)}`));
  if (/^https:\/\//.test(a.consoleUrl) && a.consoleUrl.length <= URL_MAX) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the execution' }, url: a.consoleUrl }] });
  }
  return { text: truncate(escape(`S3 object NOT backed up: s3://${a.bucket}/${a.key} (${a.error})`), SECTION_MAX), blocks };
}

function alarmMessage(a: AlarmNotification): SlackPayload {
  const recovered = a.NewStateValue === 'OK';
  const title = `${recovered ? 'Recovered' : a.NewStateValue}: ${a.AlarmName}`;
  const blocks: SlackBlock[] = [header(title)];
  if (a.AlarmDescription) blocks.push(section(escape(a.AlarmDescription)));
  if (a.NewStateReason) blocks.push(section(`*Reason*\n${escape(a.NewStateReason)}`));
  const url = alarmConsoleUrl(a);
  if (url) blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the alarm' }, url }] });
  return { text: truncate(escape(title), SECTION_MAX), blocks };
}

/** arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME → the alarm's console page (the message's Region is a display name). */
function alarmConsoleUrl(a: AlarmNotification): string | undefined {
  const match = /^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):\d{12}:alarm:(.+)$/.exec(a.AlarmArn ?? '');
  if (!match) return undefined;
  const [, region, name] = match;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(name!)}`;
}

function header(text: string): SlackBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, HEADER_MAX) } };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_MAX) } };
}

function field(label: string, value: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: truncate(`*${label}*\n${value}`, FIELD_MAX) };
}

/** Slack mrkdwn treats only &, < and > specially; everything else (keys included) is shown as written. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code; a backtick inside would end it early, so it is swapped for a look-alike. */
function code(text: string): string {
  return text === '' ? '_(empty)_' : `\`${escape(text).replace(/`/g, 'ˋ')}\``;
}

function codeBlock(text: string): string {
  const body = truncate(escape(text).replace(/```/g, 'ˋˋˋ'), SECTION_MAX - 100);
  return `\`\`\`${body}\`\`\``;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What postToSlack needs of fetch (injectable, so tests need no network). */
export type PostFn = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

/** A post Slack did not accept (or that did not reach it). Thrown so Lambda's async retries try again. */
export class SlackWebhookError extends Error {
  override readonly name = 'SlackWebhookError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** How long one post may take before it counts as failed. */
export const SLACK_POST_TIMEOUT_MS = 10_000;

/**
 * Posts the payload to the webhook. A non-2xx answer or a network failure throws SlackWebhookError; its message names
 * the status and Slack's short error text, never the webhook URL (the URL is the credential).
 */
export async function postToSlack(webhookUrl: string, payload: SlackPayload, post: PostFn = fetch): Promise<void> {
  let response: Awaited<ReturnType<PostFn>>;
  try {
    response = await post(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(SLACK_POST_TIMEOUT_MS),
    });
  } catch (err) {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new SlackWebhookError(`Posting to the Slack webhook failed: ${redact(reason, webhookUrl)}`);
  }
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new SlackWebhookError(
      `The Slack webhook answered HTTP ${response.status}${body ? `: ${redact(body.slice(0, 200), webhookUrl)}` : ''}`,
      response.status,
    );
  }
}

function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('<webhook URL>') : text;
}
