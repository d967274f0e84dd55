import type { EmulatorState, RequestContext } from './context';
import { badRequest, notFound, sendJson } from './errors';
import type { FaultInstruction } from './faults';
import { readJson } from './http-util';

/**
 * Fault control over HTTP for out-of-process use: the storage-testbench Retry Test API (`/retry_test`, faults scoped
 * to requests carrying `x-retry-test-id`) and `/_emulator/faults` (global, for clients that cannot add headers).
 * Returns false when the path is not a control path.
 */
export async function controlRequest(state: EmulatorState, ctx: RequestContext): Promise<boolean> {
  const { pathname } = ctx.url;
  const method = ctx.req.method;
  const faults = state.faults;
  if (pathname === '/retry_test' && method === 'POST') {
    const body = await readJson(ctx.req);
    if (typeof body.instructions !== 'object' || body.instructions === null) throw badRequest('Body must be {"instructions": {"<operation>": ["<fault>", ...]}}');
    sendJson(ctx.res, 200, faults.createRetryTest(body.instructions as Record<string, string[]>));
    return true;
  }
  if (pathname === '/retry_tests' && method === 'GET') {
    sendJson(ctx.res, 200, { retry_test: faults.listRetryTests() });
    return true;
  }
  const test = /^\/retry_test\/([^/]+)$/.exec(pathname);
  if (test && method === 'GET') {
    sendJson(ctx.res, 200, faults.retryTest(test[1]!));
    return true;
  }
  if (test && method === 'DELETE') {
    faults.deleteRetryTest(test[1]!);
    ctx.res.writeHead(200, { 'content-length': 0 });
    ctx.res.end();
    return true;
  }
  if (pathname === '/_emulator/iam' && method === 'POST') {
    // What buckets.testIamPermissions answers for a bucket from now on (iam.ts); permissions null = all again.
    const body = await readJson(ctx.req);
    if (typeof body.bucket !== 'string' || !(body.permissions === null || (Array.isArray(body.permissions) && body.permissions.every((p) => typeof p === 'string')))) {
      throw badRequest('Body must be {"bucket": "<name>", "permissions": ["storage.objects.create", ...] | null}');
    }
    state.iam.setPermissions(body.bucket, body.permissions === null ? undefined : (body.permissions as string[]));
    sendJson(ctx.res, 200, { bucket: body.bucket, permissions: body.permissions });
    return true;
  }
  if (pathname === '/_emulator/faults') {
    if (method === 'POST') {
      faults.inject((await readJson(ctx.req)) as unknown as FaultInstruction);
    } else if (method === 'DELETE') {
      faults.clear();
    } else if (method !== 'GET') {
      throw notFound(`route ${method} ${pathname}`);
    }
    sendJson(ctx.res, 200, { fired: faults.fired, history: faults.history, pending: faults.pending() });
    return true;
  }
  return false;
}
