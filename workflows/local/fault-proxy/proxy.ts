import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultPlan, S3_FAULT_KINDS, type FaultDecision, type FaultRates, type S3FaultKind } from './plan';
import { slowDown } from './s3-errors';

/**
 * An HTTP proxy that sits in front of the local S3 server and injects the failures S3 clients meet in AWS: 503
 * SlowDown, connection resets, responses cut mid-body and stalls. Which request gets which fault is decided by a
 * seeded FaultPlan (./plan.ts); the proxy only carries it out and counts what it did.
 */

export interface FaultProxyOptions {
  /** The server to forward to, e.g. the local S3 server's endpoint http://127.0.0.1:P. */
  upstream: string;
  /** Seed of the fault decisions (print it; the same seed injects the same faults). */
  seed: number | string;
  /** Probability per request of each fault kind (Default: none; set later with setRates). */
  rates?: FaultRates;
  /** How long a stalled request waits before it is forwarded, in ms (Default: 2,000; at most 600,000). */
  stallMs?: number;
  /** A request signature is faulted at most this many times (Default: 2). See FaultPlanOptions. */
  maxFaultsPerRequest?: number;
  /** Which requests may be faulted (Default: all). Others are forwarded untouched. */
  eligible?: (request: { method: string; path: string }) => boolean;
  /** (Default: 0, a free port) */
  port?: number;
  /** (Default: 127.0.0.1) */
  host?: string;
}

export interface FaultCounts {
  /** Requests received. */
  requests: number;
  /** Faults carried out, by kind. */
  faults: Record<S3FaultKind, number>;
}

export interface FaultProxy {
  /** e.g. http://127.0.0.1:41235 — give this to the client under test instead of the upstream's. */
  endpoint: string;
  counts(): FaultCounts;
  setRates(rates: FaultRates): void;
  close(): Promise<void>;
}

const MAX_STALL_MS = 600_000;
/** When the body length is unknown (chunked), a broken stream is cut within this many bytes. */
const UNKNOWN_LENGTH_CUT_BYTES = 64 * 1024;

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:') throw new RangeError(`upstream must be an http:// URL, got ${options.upstream}`);
  const stallMs = options.stallMs ?? 2_000;
  if (!Number.isFinite(stallMs) || stallMs < 0 || stallMs > MAX_STALL_MS) throw new RangeError(`stallMs must be within [0, ${MAX_STALL_MS}], got ${stallMs}`);
  const plan = new FaultPlan({
    seed: options.seed,
    rates: options.rates ?? {},
    ...(options.maxFaultsPerRequest !== undefined ? { maxFaultsPerRequest: options.maxFaultsPerRequest } : {}),
  });
  const eligible = options.eligible ?? (() => true);
  const counts: FaultCounts = { requests: 0, faults: Object.fromEntries(S3_FAULT_KINDS.map((k) => [k, 0])) as Record<S3FaultKind, number> };
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const forward = (req: IncomingMessage, res: ServerResponse, cut?: FaultDecision): void => {
    const upstreamReq = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (upstreamRes) => {
        if (cut) return breakStream(upstreamRes, req, res, cut.fraction, counts);
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.rawHeaders);
        upstreamRes.pipe(res);
        upstreamRes.once('error', () => res.destroy());
      },
    );
    upstreamReq.once('error', (err) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`fault proxy: upstream failed: ${err.message}`);
    });
    req.pipe(upstreamReq);
    res.once('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
  };

  const server = createServer((req, res) => {
    counts.requests++;
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const decision = eligible({ method, path }) ? plan.decide(signatureOf(req)) : undefined;
    switch (decision?.kind) {
      case undefined:
        return forward(req, res);
      case 'slow-down': {
        counts.faults['slow-down']++;
        const answer = slowDown(new URL(path, 'http://proxy').pathname);
        req.resume();
        req.once('end', () => {
          res.writeHead(answer.status, { ...answer.headers, 'content-length': method === 'HEAD' ? '0' : Buffer.byteLength(answer.body) });
          res.end(method === 'HEAD' ? undefined : answer.body);
        });
        return;
      }
      case 'reset':
        counts.faults.reset++;
        req.socket.resetAndDestroy();
        return;
      case 'stall': {
        counts.faults.stall++;
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!req.socket.destroyed) forward(req, res);
        }, stallMs);
        timers.add(timer);
        req.socket.once('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
        return;
      }
      case 'broken-stream':
        return forward(req, res, decision);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    counts: () => ({ requests: counts.requests, faults: { ...counts.faults } }),
    setRates: (rates) => plan.setRates(rates),
    close: () =>
      (closing ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
        agent.destroy();
      })()),
  };
}

/**
 * Sends the status, the headers and `fraction` of the body, then resets the connection: what a client sees when a
 * connection drops mid-download. A response without a body to cut (HEAD, errors) is reset instead.
 */
function breakStream(upstreamRes: IncomingMessage, req: IncomingMessage, res: ServerResponse, fraction: number, counts: FaultCounts): void {
  const status = upstreamRes.statusCode ?? 502;
  const length = Number(upstreamRes.headers['content-length']);
  const hasBody = req.method !== 'HEAD' && status >= 200 && status < 300 && length !== 0;
  if (!hasBody) {
    counts.faults.reset++;
    upstreamRes.resume();
    req.socket.resetAndDestroy();
    return;
  }
  counts.faults['broken-stream']++;
  const cutAt = Math.floor(fraction * (Number.isFinite(length) ? length : UNKNOWN_LENGTH_CUT_BYTES));
  res.writeHead(status, upstreamRes.rawHeaders);
  let sent = 0;
  const cut = (): void => {
    upstreamRes.destroy();
    req.socket.resetAndDestroy();
  };
  if (cutAt === 0) return void res.write(Buffer.alloc(0), () => cut());
  upstreamRes.on('data', (chunk: Buffer) => {
    if (req.socket.destroyed) return;
    const room = cutAt - sent;
    if (chunk.length < room) {
      sent += chunk.length;
      res.write(chunk);
      return;
    }
    res.write(chunk.subarray(0, room), () => cut());
    sent = cutAt;
    upstreamRes.pause();
  });
}

/** What makes two requests "the same request" for the bound on faults: method, path with query, and range. */
function signatureOf(req: IncomingMessage): string {
  return `${req.method} ${req.url} ${req.headers['range'] ?? ''}`;
}
