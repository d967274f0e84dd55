import type { ServerResponse } from 'node:http';

/** An error answered in the GCS JSON API shape: `{error:{code,message,errors:[{reason,message,domain}]}}`. */
export class GcsHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'GcsHttpError';
  }
}

export const notFound = (what: string): GcsHttpError => new GcsHttpError(404, 'notFound', `No such ${what}.`);
export const badRequest = (message: string): GcsHttpError => new GcsHttpError(400, 'invalid', message);
export const conditionNotMet = (message: string): GcsHttpError => new GcsHttpError(412, 'conditionNotMet', message);

export function gcsErrorBody(status: number, reason: string, message: string): string {
  return JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  const e = err instanceof GcsHttpError ? err : new GcsHttpError(500, 'backendError', err instanceof Error ? err.message : String(err));
  const text = gcsErrorBody(e.status, e.reason, e.message);
  res.writeHead(e.status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
