import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startFaultProxy, type FaultProxy } from '../../../workflows/local/fault-proxy';
import { s3ErrorXml } from '../../../workflows/local/fault-proxy/s3-errors';
import { startGcsEmulator, type GcsEmulator } from '../../../workflows/local/gcs-emulator';
import { localS3Client, startS3Server, type LocalS3Server } from '../../../workflows/local/s3-server';
import { LocalStepFunctions, startSfnApi, type SfnApiServer } from '../../../workflows/local/sfn-api';

/**
 * The servers the error recordings talk to, all on 127.0.0.1: the local S3 server (fauxqs) behind the S3 fault proxy,
 * the GCS emulator (its storage-testbench faults), the local Step Functions endpoint behind a second fault proxy, and
 * a "canned" server that answers every request with one chosen status and body — for the answers AWS sends that
 * neither local server can be made to send (500 InternalError, a load balancer's 502 HTML page, …). The SDK still
 * parses those answers itself, so the errors recorded from it are the client's real objects.
 */
export interface RecordingEnvironment {
  s3: LocalS3Server;
  s3Proxy: FaultProxy;
  gcs: GcsEmulator;
  sfn: SfnApiServer;
  sfnProxy: FaultProxy;
  canned: CannedServer;
  /** A port nothing listens on (connection refused). */
  closedPort: number;
  close(): Promise<void>;
}

export const S3_BUCKET = 'recording-source';
export const S3_KEY = 'object.bin';
export const S3_BODY = Buffer.alloc(256 * 1024, 7);
export const GCS_BUCKET = 'recording-backup';
export const SFN_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:recording';
/** How long the proxies hold a stalled request: longer than the clients' timeouts in the recordings. */
export const STALL_MS = 3_000;

export interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface CannedServer {
  endpoint: string;
  /** Every request from now on gets this answer. */
  answer(a: CannedAnswer): void;
  close(): Promise<void>;
}

export async function startRecordingEnvironment(): Promise<RecordingEnvironment> {
  const s3 = await startS3Server();
  const client = localS3Client(s3.endpoint);
  await client.send(new CreateBucketCommand({ Bucket: S3_BUCKET }));
  await client.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: S3_KEY, Body: S3_BODY }));
  client.destroy();
  const s3Proxy = await startFaultProxy({ upstream: s3.endpoint, seed: 'record-errors', maxFaultsPerRequest: 1_000, stallMs: STALL_MS });
  const gcs = await startGcsEmulator();
  gcs.createBucket(GCS_BUCKET);
  const sfn = await startSfnApi(
    new LocalStepFunctions({
      stateMachines: [
        {
          name: 'recording',
          arn: SFN_ARN,
          definition: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}',
          run: async () => ({ status: 'SUCCEEDED', output: {}, timeline: { executionName: 'x', status: 'SUCCEEDED', startedAt: new Date().toISOString(), durationMs: 0, steps: [] } }),
        },
      ],
    }),
  );
  const sfnProxy = await startFaultProxy({ upstream: sfn.endpoint, seed: 'record-errors', maxFaultsPerRequest: 1_000, stallMs: STALL_MS });
  const canned = await startCannedServer();
  const closedPort = await freePort();
  return {
    s3,
    s3Proxy,
    gcs,
    sfn,
    sfnProxy,
    canned,
    closedPort,
    close: async () => {
      await canned.close();
      await sfnProxy.close();
      await sfn.close();
      await gcs.close();
      await s3Proxy.close();
      await s3.close();
    },
  };
}

/** S3's XML error document with the headers S3 sends. */
export function s3Answer(status: number, code: string, message: string): CannedAnswer {
  return { status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'RECORDED' }, body: s3ErrorXml(code, message, `/${S3_BUCKET}/${S3_KEY}`, 'RECORDED') };
}

/** A load balancer's or proxy's HTML error page (what a 502/504 in front of a service looks like). */
export function htmlAnswer(status: number, title: string): CannedAnswer {
  return { status, headers: { 'content-type': 'text/html' }, body: `<html><head><title>${status} ${title}</title></head><body><h1>${title}</h1></body></html>` };
}

/** An AWS JSON 1.0 error (Step Functions): `x-amzn-errortype` and `{"__type","message"}`. */
export function awsJsonAnswer(status: number, type: string, message: string): CannedAnswer {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type, 'x-amzn-requestid': 'RECORDED' },
    body: JSON.stringify({ __type: type, message }),
  };
}

async function startCannedServer(): Promise<CannedServer> {
  let current: CannedAnswer = { status: 500 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      const body = req.method === 'HEAD' ? undefined : current.body;
      res.writeHead(current.status, { ...current.headers, 'content-length': body ? Buffer.byteLength(body) : 0 });
      res.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    answer: (a) => void (current = a),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** A port that was free a moment ago and has no listener now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
