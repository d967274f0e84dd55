/**
 * The web console in a real browser (Debian Chromium via playwright-core) against a real sandbox: objects that
 * succeed, escalate (a small Lambda too small for any object) and fail (a key GCS cannot name), and a hostile key.
 * Asserts on what the page shows: the list, the failed state in red with its error, the escalation edge, the alert,
 * the commands, the object view with GCS metadata, and that nothing from a key is ever parsed as HTML.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { objectOfInput } from '../../../workflows/cli/sfn-ops';
import { currentRun } from '../../../workflows/local/sfn-api';
import { startSandbox, type Sandbox } from '../../../workflows/local/sandbox/sandbox';
import { logger } from '../../../workflows/logger';
import { launchChromium } from '../../support/browser';
import { waitFor } from '../../support/wait-for';

const KIB = 1024;
const MIB = 1024 * KIB;
const OK_KEY = 'console/ok/large.bin'; // 2 MiB: routed straight to the large Lambda
const ESCALATED_KEY = 'console/escalate/small.txt'; // 64 KiB: the small Lambda (64 MB, below a copier's baseline) cannot hold it, the large one copies it
const FAILED_KEY = `console/too-long/${'k'.repeat(1007)}`; // 1024 bytes: too long for GCS once the bucket is in the name
const HOSTILE_KEY = `console/hostile/<img src=x onerror="window.__pwned=1">'q'&amp;\t\u0007</td><script>window.__pwned=2</script>.txt`;

let sandbox: Sandbox;
let browser: Browser | undefined;
let page: Page;
let dataDir: string;
/** `S3GCS_SCREENSHOTS=docs npx jest test/integration/console` refreshes the README's pictures. */
const shots = (): string => process.env['S3GCS_SCREENSHOTS'] || dataDir;
const arns = new Map<string, string>();

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  browser = await launchChromium();
  if (!browser) return;
  dataDir = mkdtempSync(join(tmpdir(), 'console-test-'));
  sandbox = await startSandbox({ dataDir, tiers: { small: { memoryMb: 64 } } });
  const put = (key: string, bytes: number): Promise<unknown> => sandbox.s3.send(new PutObjectCommand({ Bucket: sandbox.sourceBucket, Key: key, Body: Buffer.alloc(bytes, 7) }));
  await Promise.all([put(OK_KEY, 2 * MIB), put(ESCALATED_KEY, 64 * KIB), put(FAILED_KEY, KIB), put(HOSTILE_KEY, KIB)]);
  await waitFor(() => sandbox.stepFunctions.executions().length >= 4, { timeoutMs: 60_000, what: 'four executions started' });
  await sandbox.idle();
  for (const r of sandbox.stepFunctions.executions()) arns.set(objectOfInput(r.input)?.key ?? '', r.executionArn);
  // bypassCSP: the page's CSP would block an injected script anyway; without it the hostile-key test proves the escaping
  // itself (and lets the test evaluate its checks as text).
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, bypassCSP: true });
  page.on('dialog', (d) => void d.dismiss());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Loads the page afresh at `hash` and waits until it has drawn it (browser-side code is given as text: no DOM types here). */
async function open(hash: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${sandbox.consoleUrl!}#${hash}`);
  await page.waitForFunction('document.body.dataset.ready !== undefined');
}

function arnOf(key: string): string {
  const arn = arns.get(key);
  if (!arn) throw new Error(`no execution for ${key}; have ${[...arns.keys()].join(', ')}`);
  return arn;
}

test('the sandbox serves the console on 127.0.0.1 and writes its URL in the ready file', () => {
  if (!browser) return;
  expect(sandbox.consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  for (const r of sandbox.stepFunctions.executions()) expect(currentRun(r).status).not.toBe('RUNNING');
});

test('the list shows every execution, newest first, with object, status, tier and bytes, and filters by status and key', async () => {
  if (!browser) return;
  await open('list');
  expect(await page.locator('#executions tbody tr').count()).toBe(4);
  const text = await page.locator('#executions').innerText();
  expect(text).toContain(`s3://${sandbox.sourceBucket}/${OK_KEY}`);
  expect(text).toContain('large');
  expect(text).toContain('2.0 MiB');
  expect(text).toContain('InvalidDestinationName');
  const starts = await page.locator('#executions tbody tr td:nth-child(7)').allInnerTexts();
  expect([...starts].sort().reverse()).toEqual(starts);
  await page.screenshot({ path: join(shots(), 'console-list.png') });

  await page.selectOption('select[name=status]', 'FAILED');
  await page.click('form.filters button[type=submit]');
  await page.waitForFunction("[...document.querySelectorAll('#executions tbody tr')].map((r) => r.dataset.status).join() === 'FAILED'");
  expect(await page.locator('#executions').innerText()).toContain('console/too-long/');

  await open(`list?${new URLSearchParams({ key: 'escalate/' }).toString()}`);
  expect(await page.locator('#executions tbody tr').count()).toBe(1);
  expect(await page.locator('#executions').innerText()).toContain(ESCALATED_KEY);
});

test('a failed execution: its state in red, its error and cause, the alert and the redrive and replay commands', async () => {
  if (!browser) return;
  await open(`execution?${new URLSearchParams({ arn: arnOf(FAILED_KEY) }).toString()}`);
  const failed = page.locator('.graph g.node[data-status=failed]');
  expect(await failed.count()).toBe(1);
  const failedState = await failed.getAttribute('data-state');
  expect(failedState).toMatch(/^Copy the object with the (small|large) Lambda$/);
  expect(await page.evaluate("getComputedStyle(document.querySelector('.graph g.node[data-status=failed] rect')).stroke")).toBe('rgb(209, 50, 18)');
  expect(await page.locator('#execution-error').innerText()).toBe('InvalidDestinationName');
  expect(await page.locator('#execution-cause').innerText()).toContain('GCS allows at most 1024');
  expect(await page.locator('#alert').innerText()).toContain('An S3 object was NOT backed up');
  expect(await page.locator('#redrive-command').innerText()).toMatch(/^aws stepfunctions redrive-execution --execution-arn '.+' --endpoint-url http:\/\/127\.0\.0\.1:\d+$/);
  expect(await page.locator('#replay-command').innerText()).toContain('aws stepfunctions start-execution');
  const failedEvents = await page.locator('#events tr.ev-fail').allInnerTexts();
  expect(failedEvents.join('\n')).toContain('InvalidDestinationName');
  expect(await page.locator('#redrive').count()).toBe(1);
  await page.screenshot({ path: join(shots(), 'console-failed.png'), fullPage: false });
});

test('an escalated execution: the small Lambda caught, the escalation edge marked with its error, the large Lambda succeeded', async () => {
  if (!browser) return;
  await open(`execution?${new URLSearchParams({ arn: arnOf(ESCALATED_KEY) }).toString()}`);
  expect(await page.locator('.graph g.node[data-state="Copy the object with the small Lambda"]').getAttribute('data-status')).toBe('caught');
  expect(await page.locator('.graph g.node[data-state="Copy the object with the large Lambda"]').getAttribute('data-status')).toBe('succeeded');
  expect(await page.locator('.graph g.node[data-state="Copy the object with the heavy task"]').getAttribute('data-status')).toBe('not-entered');
  const escalation = page.locator('.graph g.edge[data-taken=escalation]');
  expect(await escalation.count()).toBe(1);
  expect(await escalation.getAttribute('data-edge')).toBe('Copy the object with the small Lambda→Escalate from the small Lambda to the large Lambda#0');
  expect(await escalation.locator('text').innerHTML()).toContain('escalated: Runtime.OutOfMemory');
  expect(await page.locator('#alert').count()).toBe(0);
  expect(await page.locator('#redrive').count()).toBe(0);
  await page.screenshot({ path: join(shots(), 'console-escalated.png') });
});

test('redrive from the console resumes the failed execution at the state that failed', async () => {
  if (!browser) return;
  await open(`execution?${new URLSearchParams({ arn: arnOf(FAILED_KEY) }).toString()}`);
  const failedState = await page.locator('.graph g.node[data-status=failed]').getAttribute('data-state');
  await page.click('#redrive');
  await page.waitForFunction("[...document.querySelectorAll('dl.facts dt')].some((dt) => dt.textContent === 'Redriven') && document.querySelector('.status')?.textContent === 'FAILED'", undefined, { timeout: 60_000 });
  expect(await page.locator('.graph g.node[data-status=failed]').getAttribute('data-state')).toBe(failedState);
  expect(await page.locator('#events').innerText()).toContain('ExecutionRedriven');
});

test('a hostile key is shown as text everywhere, never parsed as HTML', async () => {
  if (!browser) return;
  const shown = HOSTILE_KEY.replace('\t', '\u2409').replace('\u0007', '\u2407');
  await open('list');
  expect(await page.locator('#executions').innerText()).toContain(shown);
  await open(`execution?${new URLSearchParams({ arn: arnOf(HOSTILE_KEY) }).toString()}`);
  expect(await page.locator('main').innerText()).toContain(shown);
  await page.locator('details[data-id=input] summary').click();
  expect(await page.locator('details[data-id=input] pre').innerText()).toContain('onerror');
  await open(`object?${new URLSearchParams({ bucket: sandbox.sourceBucket, key: HOSTILE_KEY }).toString()}`);
  expect(await page.locator('#object-key').innerText()).toBe(`s3://${sandbox.sourceBucket}/${shown}`);
  expect(await page.evaluate('window.__pwned')).toBeUndefined();
  expect(await page.locator('main img, main script').count()).toBe(0);
});

test('the object view: every execution of the key, Express and Standard, and the GCS object with its generation, CRC32C, verified mark and provenance', async () => {
  if (!browser) return;
  await open(`object?${new URLSearchParams({ bucket: sandbox.sourceBucket, key: ESCALATED_KEY }).toString()}`);
  // express-first: the fast path execution that escalated and handed the object off (read from its log), then the
  // Standard execution it started.
  const rows = await page.locator('#object-executions tbody tr').allInnerTexts();
  expect(rows).toHaveLength(2);
  expect(rows[0]).toMatch(/fast path[\s\S]*handed-off/);
  expect(rows[1]).toMatch(/event[\s\S]*SUCCEEDED/);
  const gcs = await page.locator('#gcs').innerText();
  expect(gcs).toContain(`gs://${sandbox.destinationBucket}/${sandbox.sourceBucket}/${ESCALATED_KEY}`);
  expect(gcs).toMatch(/Generation\s+\d+/);
  expect(gcs).toMatch(/CRC32C\s+[A-Za-z0-9+/]{6}==/);
  expect(gcs).toContain('yes: carries the verified mark');
  expect(gcs).toContain(`s3://${sandbox.sourceBucket}/${ESCALATED_KEY}`);
});

test('replay from the console starts a new execution and follows it live until it ends', async () => {
  if (!browser) return;
  await open(`execution?${new URLSearchParams({ arn: arnOf(OK_KEY) }).toString()}`);
  // GCS answers the copier's first read of the backup with a 503, so the replay is still running (the client waits
  // before its retry) when the page first draws it.
  const fault = { operation: 'storage.objects.get', fault: 'return-503', objectName: `${sandbox.sourceBucket}/${OK_KEY}` };
  expect((await fetch(`${sandbox.gcsEndpoint}/_emulator/faults`, { method: 'POST', body: JSON.stringify(fault) })).status).toBe(200);
  await page.click('#replay');
  await page.waitForFunction("location.hash.includes('replay-')");
  await page.waitForFunction("document.querySelector('.status')?.textContent === 'RUNNING' && document.querySelector('.live') !== null");
  // The page refreshes itself while the execution runs; no reload here.
  await page.waitForFunction("document.querySelector('.status')?.textContent === 'SUCCEEDED'", undefined, { timeout: 60_000 });
  expect(await page.locator('.live').count()).toBe(0);
  expect(await page.locator('.graph g.node[data-state="Copy the object with the large Lambda"]').getAttribute('data-status')).toBe('succeeded');
});

test('the API refuses a POST from another origin and a request naming another host', async () => {
  if (!browser) return;
  const res = await fetch(new URL('/api/redrive', sandbox.consoleUrl!), { method: 'POST', headers: { origin: 'http://evil.example', 'content-type': 'application/json' }, body: '{}' });
  expect(res.status).toBe(403);
  // A DNS-rebinding page reaches the port under its own host name.
  const rebound = await new Promise<number>((resolve, reject) =>
    request(new URL('/api/info', sandbox.consoleUrl!), { headers: { host: 'evil.example' } }, (r) => resolve(r.resume().statusCode ?? 0)).on('error', reject).end(),
  );
  expect(rebound).toBe(421);
});
