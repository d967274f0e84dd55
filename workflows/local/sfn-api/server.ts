import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import { formatTimeline } from '../timeline';
import { currentRun } from './execution-store';
import { CONTENT_TYPE, errorBody, operationOf, parseBody, SfnApiError } from './protocol';
import type { LocalStepFunctions } from './service';

export interface SfnApiServer {
  /** http://127.0.0.1:PORT — the `endpoint` of an SFNClient, the `--endpoint-url` of the aws CLI. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A Step Functions client for the local endpoint: region 'local', dummy credentials (requests are not authenticated)
 * and no SDK retries — its callers own the retries of StartExecution, as start-executions does in AWS.
 */
export function localSfnClient(endpoint: string): SFNClient {
  return new SFNClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
}

/** Path of the sandbox's stand-in for the console's execution page (plain text: the timeline of every run). */
export const CONSOLE_PATH = '/console/executions/';

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Serves the local Step Functions endpoint on 127.0.0.1: `POST /` speaks AWS JSON 1.0; `GET /console/executions/<arn>`
 * prints an execution's timeline (what the AWS console's execution page shows). Requests are not authenticated:
 * the endpoint only listens on loopback.
 */
export async function startSfnApi(service: LocalStepFunctions, opts: { port?: number } = {}): Promise<SfnApiServer> {
  const server = createServer((req, res) => {
    handle(service, req, res).catch((err: unknown) => sendError(res, new SfnApiError('InternalFailure', String(err), 500)));
  });
  // events.once rejects on 'error' (EADDRINUSE…) before 'listening'.
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function handle(service: LocalStepFunctions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  if (req.method === 'GET') return sendConsole(service, url.pathname, res);
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'GET, POST' }).end();
    return;
  }
  try {
    const body = await readBody(req);
    const operation = operationOf(header(req, 'x-amz-target'));
    const result = await service.handle(operation, parseBody(body));
    const text = JSON.stringify(result);
    res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': requestId() });
    res.end(text);
  } catch (err) {
    sendError(res, err instanceof SfnApiError ? err : new SfnApiError('InternalFailure', (err as Error).message, 500));
  }
}

function sendError(res: ServerResponse, err: SfnApiError): void {
  if (res.headersSent) return void res.end();
  const text = errorBody(err);
  res.writeHead(err.status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-errortype': err.type,
    'x-amzn-requestid': requestId(),
  });
  res.end(text);
}

function sendConsole(service: LocalStepFunctions, path: string, res: ServerResponse): void {
  const text = consoleText(service, path);
  res.writeHead(text === undefined ? 404 : 200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text ?? `Not found: ${path}\nTry ${CONSOLE_PATH} for the list of executions.\n`);
}

function consoleText(service: LocalStepFunctions, path: string): string | undefined {
  if (path === '/' || path === '/console' || path === '/console/' || path === CONSOLE_PATH) {
    const lines = service
      .executions()
      .reverse()
      .map((r) => `${currentRun(r).status.padEnd(9)} ${r.startDate}  ${r.executionArn}`);
    return `Local Step Functions endpoint — ${lines.length} execution(s), newest first\n${lines.join('\n')}\n`;
  }
  if (!path.startsWith(CONSOLE_PATH)) return undefined;
  const arn = decodeURIComponent(path.slice(CONSOLE_PATH.length));
  const record = service.execution(arn);
  if (!record) return undefined;
  const parts = [`Execution ${record.executionArn}`, `Input: ${record.input}`];
  record.runs.forEach((run, i) => {
    parts.push('', i === 0 ? 'Run 1' : `Redrive ${i}`);
    parts.push(run.timeline ? formatTimeline(run.timeline) : `${run.status} (started ${run.startDate}; no timeline yet)`);
    for (const alert of run.alerts) parts.push('', `Alert published to ${alert.topicArn}:`, alert.message);
  });
  return `${parts.join('\n')}\n`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new SfnApiError('ValidationException', `Request body is larger than ${MAX_BODY_BYTES} bytes`, 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

let counter = 0;
function requestId(): string {
  counter += 1;
  return `local-${Date.now().toString(36)}-${counter}`;
}
