import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { build } from 'esbuild';
import { CliError } from '../cli/errors';
import { EXIT } from '../cli/exit-codes';
import type { Target } from '../cli/target';
import type { ConsoleInfo, ListQuery } from './api-types';
import { ConsoleApi, ConsoleRefusal } from './console-api';

export interface ConsoleServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

const PAGE_DIR = join(__dirname, 'page');
const MAX_BODY_BYTES = 64 * 1024;
const STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);
/** The page builds every element with textContent and attributes: no inline script or style is ever needed. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The web console on 127.0.0.1: the page (plain HTML/CSS and a TypeScript bundle built by esbuild on first request)
 * and its JSON API over `target` (see ./console-api.ts). Requests must name this server as Host (no DNS rebinding)
 * and POSTs must come from its own page (Origin), since anything on this machine can reach a loopback port.
 */
export async function startConsole(target: Target, opts: { port?: number } = {}): Promise<ConsoleServer> {
  const api = new ConsoleApi(target);
  let bundle: Promise<string> | undefined;
  const script = (): Promise<string> => (bundle ??= bundlePage());
  let origin = '';
  const server = createServer((req, res) => {
    route(api, script, origin, req, res).catch((err: unknown) => sendError(res, err));
  });
  // events.once rejects on 'error' (EADDRINUSE…) before 'listening'.
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function bundlePage(): Promise<string> {
  const out = await build({
    entryPoints: [join(PAGE_DIR, 'app.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

async function route(api: ConsoleApi, script: () => Promise<string>, origin: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const host = req.headers.host ?? '';
  if (host !== origin.slice('http://'.length) && host !== origin.slice('http://'.length).replace('127.0.0.1', 'localhost')) {
    return send(res, 421, 'text/plain; charset=utf-8', 'Misdirected request: open the console at its 127.0.0.1 URL.\n');
  }
  const url = new URL(req.url ?? '/', origin);
  const q = url.searchParams;
  if (req.method === 'GET') {
    switch (url.pathname) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', readFileSync(join(PAGE_DIR, 'index.html')));
      case '/app.css':
        return send(res, 200, 'text/css; charset=utf-8', readFileSync(join(PAGE_DIR, 'app.css')));
      case '/app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', await script());
      case '/api/info': {
        const info: ConsoleInfo = {
          label: api.target.label,
          kind: api.target.kind,
          writable: api.writable,
          stateMachines: await api.stateMachines(),
          defaultStateMachineArn: api.target.stateMachineArn,
        };
        return sendJson(res, info);
      }
      case '/api/executions':
        return sendJson(res, await api.listExecutions(listQuery(q, api.target.stateMachineArn)));
      case '/api/execution':
        return sendJson(res, await api.execution(required(q, 'arn')));
      case '/api/object':
        return sendJson(res, await api.object(required(q, 'bucket'), required(q, 'key'), optionalDate(q, 'since')));
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
    }
  }
  if (req.method === 'POST') {
    if (req.headers.origin !== origin) throw new ConsoleRefusal('POST only from the console page itself');
    const body = await readJson(req);
    if (url.pathname === '/api/redrive') return sendJson(res, await api.redrive(stringField(body, 'executionArn')));
    if (url.pathname === '/api/replay') {
      const versionId = body['versionId'];
      return sendJson(res, await api.replay({ bucket: stringField(body, 'bucket'), key: stringField(body, 'key'), ...(typeof versionId === 'string' ? { versionId } : {}) }));
    }
    return send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
  }
  res.writeHead(405, { allow: 'GET, POST' }).end();
}

function listQuery(q: URLSearchParams, defaultArn: string): ListQuery {
  const status = q.get('status') || undefined;
  if (status !== undefined && !STATUSES.has(status)) throw badRequest(`status ${JSON.stringify(status)} is not an execution status`);
  const since = optionalDate(q, 'since');
  const until = optionalDate(q, 'until');
  return {
    stateMachineArn: q.get('stateMachineArn') || defaultArn,
    ...(status ? { status: status as ExecutionStatus } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(q.get('key') ? { key: q.get('key')! } : {}),
    ...(q.get('nextToken') ? { nextToken: q.get('nextToken')! } : {}),
  };
}

function required(q: URLSearchParams, name: string): string {
  const value = q.get(name);
  if (!value) throw badRequest(`the query parameter ${name} is missing`);
  return value;
}

function optionalDate(q: URLSearchParams, name: string): Date | undefined {
  const text = q.get(name);
  if (!text) return undefined;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw badRequest(`${name} ${JSON.stringify(text)} is not a date`);
  return at;
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw badRequest(`the body needs a string ${name}`);
  return value;
}

function badRequest(message: string): CliError {
  return new CliError(message, undefined, EXIT.USAGE);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw badRequest('request body too large');
    chunks.push(chunk);
  }
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw badRequest('the body must be a JSON object');
}

function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': CSP,
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.end();
  const status =
    err instanceof ConsoleRefusal ? 403 : err instanceof CliError ? (err.exitCode === EXIT.USAGE ? 400 : err.exitCode === EXIT.UNREACHABLE ? 502 : 409) : 500;
  const message = err instanceof Error ? err.message : String(err);
  send(res, status, 'application/json; charset=utf-8', JSON.stringify({ error: message, ...(err instanceof CliError && err.hint ? { hint: err.hint } : {}) }));
}
