/** The console's JSON API, read by the page (./app.ts). Errors carry the server's message and hint. */
export async function getJson<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T> {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const res = await fetch(`${path}?${query.toString()}`, { headers: { accept: 'application/json' } });
  return answer<T>(res);
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return answer<T>(res);
}

async function answer<T>(res: Response): Promise<T> {
  const parsed = (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as T & { error?: string; hint?: string };
  if (!res.ok) throw new Error(parsed.hint ? `${parsed.error} (${parsed.hint})` : (parsed.error ?? `HTTP ${res.status}`));
  return parsed;
}
