import { executionAlert, type HistoryEventLike } from '../../../workflows/alerting/execution-alert';
import {
  formatSlackMessage,
  parseObjectAlert,
  postToSlack,
  SlackWebhookError,
  type PostFn,
  type SlackBlock,
  type SlackPayload,
} from '../../../workflows/alerting/slack';
import { replayCommand } from '../../../workflows/backup/alert';

const EXECUTION = 'arn:aws:states:eu-west-1:111122223333:execution:m:e1';
const CONSOLE_URL = `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXECUTION}`;
const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:s3-gcs-backup-staging-object';
const COPIERS: Record<string, string> = { 'the small Lambda': 'Copy the object with the small Lambda', 'the large Lambda': 'Copy the object with the large Lambda' };

/** The alert text exactly as the alert function builds it (workflows/alerting/execution-alert.ts), from a history. */
function alertText(fields: { bucket?: string; key?: string; version?: string; error?: string; cause?: string; tried?: [string, string][] } = {}) {
  const bucket = fields.bucket ?? 'photos';
  const key = fields.key ?? 'albums/2024/beach day.jpg';
  const report = { bucket, key, version: fields.version ?? '3HL4kqtJlcpXroDTDmJ', replayCommand: replayCommand(MACHINE, { bucket, key }) };
  const history: HistoryEventLike[] = [
    { type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Normalize the event' } },
    { type: 'TaskStateExited', stateExitedEventDetails: { name: 'Normalize the event', output: JSON.stringify({ prepared: { report } }) } },
    ...(fields.tried ?? [['the small Lambda', 'TierCapacityExceeded'], ['the large Lambda', 'States.Timeout']]).flatMap(([tier, error]): HistoryEventLike[] => [
      { type: 'TaskStateEntered', stateEnteredEventDetails: { name: COPIERS[tier]! } },
      { type: 'TaskFailed', taskFailedEventDetails: { error, cause: 'c' } },
    ]),
  ];
  const error = fields.error ?? 'SourceNotReadable';
  const cause = fields.cause ?? 'The object is in GLACIER: restore it first.\nAccessDenied: s3:GetObject';
  return executionAlert({ executionArn: EXECUTION, stateMachineArn: MACHINE, status: 'FAILED', error, cause, history }).message;
}

const textsOf = (payload: SlackPayload): string[] =>
  payload.blocks.flatMap((b: SlackBlock) =>
    b.type === 'actions' ? b.elements.map((e) => e.text.text) : b.type === 'header' ? [b.text.text] : [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)],
  );
const buttonsOf = (payload: SlackPayload) => payload.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.url) : []));

describe('parseObjectAlert', () => {
  it("expect every field of the alert function's text", () => {
    expect(parseObjectAlert(alertText())).toEqual({
      bucket: 'photos',
      key: 'albums/2024/beach day.jpg',
      version: '3HL4kqtJlcpXroDTDmJ',
      status: 'FAILED at "Copy the object with the large Lambda"',
      error: 'SourceNotReadable',
      cause: 'The object is in GLACIER: restore it first.\nAccessDenied: s3:GetObject',
      tried: ['the small Lambda failed with TierCapacityExceeded', 'the large Lambda failed with States.Timeout'],
      consoleUrl: CONSOLE_URL,
      replayCommand: `aws stepfunctions start-execution --state-machine-arn '${MACHINE}' --input '{"bucket":"photos","key":"albums/2024/beach day.jpg"}'`,
      redriveCommand: `aws stepfunctions redrive-execution --execution-arn '${EXECUTION}'`,
    });
  });

  it('expect a cause that quotes the later labels not to shift the fields after it', () => {
    const cause = 'Nested report:\nCopiers tried:\n  - fake\n\nExecution (console): https://evil.example/';
    const parsed = parseObjectAlert(alertText({ cause }));
    expect(parsed).toMatchObject({ cause, consoleUrl: CONSOLE_URL, tried: ['the small Lambda failed with TierCapacityExceeded', 'the large Lambda failed with States.Timeout'] });
  });

  it('expect no copiers when the execution failed before any copy', () => {
    expect(parseObjectAlert(alertText({ tried: [] }))?.tried).toEqual([]);
  });

  it('expect undefined for text in another layout', () => {
    expect(parseObjectAlert('Something happened.\nBucket: b')).toBeUndefined();
  });
});

describe('formatSlackMessage', () => {
  it('expect an object alert as a header, the object, the error and cause, the copiers tried, the replay command and a console button', () => {
    const payload = formatSlackMessage({ subject: 'S3 to GCS backup failed', message: alertText() });
    expect(payload.text).toBe('S3 object NOT backed up: s3://photos/albums/2024/beach day.jpg (SourceNotReadable)');
    expect(payload.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'S3 object NOT backed up to GCS' } });
    const texts = textsOf(payload);
    expect(texts).toEqual(
      expect.arrayContaining([
        '*Bucket*\n`photos`',
        '*Key*\n`albums/2024/beach day.jpg`',
        '*Version*\n3HL4kqtJlcpXroDTDmJ',
        '*Error*\n`SourceNotReadable`',
        '*Cause*\n```The object is in GLACIER: restore it first.\nAccessDenied: s3:GetObject```',
        '*Copiers tried*\n• the small Lambda failed with TierCapacityExceeded\n• the large Lambda failed with States.Timeout',
        `*Redrive after fixing the cause* (resumes at the state that failed)\n\`\`\`aws stepfunctions redrive-execution --execution-arn '${EXECUTION}'\`\`\``,
        `*Replay* (a new execution from the start: after a change to the state machine, or when a redrive is refused)\n\`\`\`aws stepfunctions start-execution --state-machine-arn '${MACHINE}' --input '{"bucket":"photos","key":"albums/2024/beach day.jpg"}'\`\`\``,
      ]),
    );
    expect(buttonsOf(payload)).toEqual([CONSOLE_URL]);
  });

  it("expect Slack's special characters in a key escaped, so the key shows as written", () => {
    const payload = formatSlackMessage({ message: alertText({ key: 'a<b>&c`d.txt' }) });
    expect(textsOf(payload)).toContain('*Key*\n`a&lt;b&gt;&amp;cˋd.txt`');
    expect(payload.text).toBe('S3 object NOT backed up: s3://photos/a&lt;b&gt;&amp;c`d.txt (SourceNotReadable)');
  });

  it('expect no copiers section when nothing was tried', () => {
    const payload = formatSlackMessage({ message: alertText({ tried: [] }) });
    expect(textsOf(payload).some((t) => t.startsWith('*Copiers tried*'))).toBe(false);
  });

  it("expect a long cause cut to Slack's 3000-character section limit", () => {
    const payload = formatSlackMessage({ message: alertText({ cause: 'x'.repeat(40_000) }) });
    expect(Math.max(...textsOf(payload).map((t) => t.length))).toBeLessThanOrEqual(3000);
    expect(textsOf(payload).find((t) => t.startsWith('*Cause*'))).toMatch(/…```$/);
  });

  const alarm = {
    AlarmName: 'S3GcsBackup-staging-AlarmsExecutionsFailed-ABC',
    AlarmDescription: 'Backup executions ended FAILED, TIMED_OUT or ABORTED: objects not copied.',
    AWSAccountId: '111122223333',
    NewStateValue: 'ALARM',
    NewStateReason: 'Threshold Crossed: 1 datapoint [2.0] was >= the threshold (1.0).',
    StateChangeTime: '2026-11-20T10:00:00.000+0000',
    Region: 'EU (Ireland)',
    AlarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:S3GcsBackup-staging-AlarmsExecutionsFailed-ABC',
    OldStateValue: 'OK',
  };

  it('expect an alarm as its state and name, its description and reason, and a button to the alarm', () => {
    const payload = formatSlackMessage({ subject: 'ALARM: "x" in EU (Ireland)', message: JSON.stringify(alarm) });
    expect(payload.text).toBe(`ALARM: ${alarm.AlarmName}`);
    expect(textsOf(payload)).toEqual(expect.arrayContaining([`ALARM: ${alarm.AlarmName}`, alarm.AlarmDescription, '*Reason*\nThreshold Crossed: 1 datapoint [2.0] was &gt;= the threshold (1.0).']));
    expect(buttonsOf(payload)).toEqual([
      `https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/${alarm.AlarmName}`,
    ]);
  });

  it('expect an alarm back to OK to say it recovered', () => {
    expect(formatSlackMessage({ message: JSON.stringify({ ...alarm, NewStateValue: 'OK', OldStateValue: 'ALARM' }) }).text).toBe(`Recovered: ${alarm.AlarmName}`);
  });

  it('expect any other message passed on whole under its subject, not dropped', () => {
    const payload = formatSlackMessage({ subject: 'Manual test', message: 'hello <team>' });
    expect(payload).toEqual({
      text: 'Manual test',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Manual test' } },
        { type: 'section', text: { type: 'mrkdwn', text: '```hello &lt;team&gt;```' } },
      ],
    });
  });
});

describe('postToSlack', () => {
  const URL = 'https://hooks.slack.com/services/T000/B000/SECRETSECRETSECRET';
  const payload: SlackPayload = { text: 'hi', blocks: [] };
  const answer = (status: number, body = '') => jest.fn<ReturnType<PostFn>, Parameters<PostFn>>(async () => ({ ok: status >= 200 && status < 300, status, text: async () => body }));

  it('expect one JSON POST of the payload to the webhook, with a timeout', async () => {
    const post = answer(200, 'ok');
    await postToSlack(URL, payload, post);
    expect(post).toHaveBeenCalledTimes(1);
    const [url, init] = post.mock.calls[0]!;
    expect(url).toBe(URL);
    expect(init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(init.body)).toEqual(payload);
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  it.each([400, 403, 404, 410, 429, 500])('expect HTTP %i to throw SlackWebhookError, so Lambda retries', async (status) => {
    await expect(postToSlack(URL, payload, answer(status, 'invalid_payload'))).rejects.toMatchObject({
      name: 'SlackWebhookError',
      status,
      message: `The Slack webhook answered HTTP ${status}: invalid_payload`,
    });
  });

  it('expect the webhook URL never in the error, even when the answer or a network error quotes it', async () => {
    const echoed = postToSlack(URL, payload, answer(404, `no such hook ${URL}`));
    await expect(echoed).rejects.toThrow(SlackWebhookError);
    await expect(echoed).rejects.toThrow(/no such hook <webhook URL>/);
    const unreachable = postToSlack(URL, payload, jest.fn(async () => {
      throw new TypeError(`fetch failed for ${URL}`);
    }));
    await expect(unreachable).rejects.toThrow('Posting to the Slack webhook failed: TypeError: fetch failed for <webhook URL>');
  });
});
