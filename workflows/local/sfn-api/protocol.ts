/**
 * The wire format of the Step Functions API (AWS JSON 1.0): `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>`
 * and a JSON body; answers are JSON, timestamps are epoch seconds, errors are HTTP 400 with `{"__type", "message"}`.
 * That is all @aws-sdk/client-sfn and `aws stepfunctions … --endpoint-url` need from the local endpoint.
 */

export const TARGET_PREFIX = 'AWSStepFunctions.';
export const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** An error as Step Functions reports it; `type` is the exception name the SDK turns into a typed error. */
export class SfnApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export type JsonObject = Record<string, unknown>;

/** The operation named by X-Amz-Target, or an error the SDK understands. */
export function operationOf(target: string | undefined): string {
  if (!target) throw new SfnApiError('MissingAuthenticationTokenException', 'X-Amz-Target header is missing', 400);
  if (!target.startsWith(TARGET_PREFIX)) {
    throw new SfnApiError('UnknownOperationException', `X-Amz-Target ${JSON.stringify(target)} is not a Step Functions operation`);
  }
  return target.slice(TARGET_PREFIX.length);
}

/** Request body → parameters. An empty body means no parameters. */
export function parseBody(text: string): JsonObject {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SfnApiError('SerializationException', 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SfnApiError('SerializationException', 'Request body must be a JSON object');
  }
  return parsed as JsonObject;
}

/** Timestamps on the wire: epoch seconds with millisecond fraction. */
export function epochSeconds(iso: string | Date): number {
  const ms = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  return ms / 1000;
}

export function errorBody(err: SfnApiError): string {
  return JSON.stringify({ __type: err.type, message: err.message });
}

/* Parameter readers: a wrong or missing parameter is a ValidationException naming it, as in AWS. */

export function requiredString(params: JsonObject, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') {
    throw new SfnApiError(
      value === undefined ? 'MissingRequiredParameter' : 'ValidationException',
      `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function optionalString(params: JsonObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SfnApiError('ValidationException', `Value at '${name}' must be a string`);
  return value;
}

export function optionalInteger(params: JsonObject, name: string, min: number, max: number): number | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SfnApiError('ValidationException', `Value at '${name}' failed to satisfy constraint: Member must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function optionalBoolean(params: JsonObject, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new SfnApiError('ValidationException', `Value at '${name}' must be a boolean`);
  return value;
}

/** Pagination tokens are opaque to callers; here they are the offset into a stable, ordered list. */
export function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

export function decodeToken(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through
  }
  throw new SfnApiError('InvalidToken', `Invalid nextToken: ${JSON.stringify(token)}`);
}

/** AWS: "Each pagination token expires after 24 hours. Using an expired pagination token will return an HTTP 400 InvalidToken error." */
const LIST_TOKEN_TTL_MS = 24 * 3600 * 1000;

interface ListPosition {
  startDate: string;
  executionArn: string;
}

/** A ListExecutions nextToken: where the page ended, the query it belongs to, and when it was issued. */
export function encodeListToken(after: ListPosition, query: string, now: number): string {
  return Buffer.from(JSON.stringify({ after, query, issued: now }), 'utf8').toString('base64url');
}

/** The position a nextToken continues after, or InvalidToken when it is malformed, for another query, or expired. */
export function decodeListToken(token: string | undefined, query: string, now: number): ListPosition | undefined {
  if (token === undefined) return undefined;
  let parsed: { after?: Partial<ListPosition>; query?: unknown; issued?: unknown } | undefined;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    // not ours: refused below
  }
  const after = parsed?.after;
  if (!after || typeof after.startDate !== 'string' || typeof after.executionArn !== 'string' || typeof parsed?.issued !== 'number') {
    throw new SfnApiError('InvalidToken', `Invalid nextToken: ${JSON.stringify(token)}`);
  }
  if (parsed.query !== query) throw new SfnApiError('InvalidToken', 'Invalid nextToken: it was issued for other arguments (keep all other arguments unchanged)');
  if (now - parsed.issued > LIST_TOKEN_TTL_MS) throw new SfnApiError('InvalidToken', 'Invalid nextToken: it expired (pagination tokens last 24 hours)');
  return { startDate: after.startDate, executionArn: after.executionArn };
}
