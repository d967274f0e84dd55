import { createServer } from 'node:net';

/**
 * The sandbox's fixed ports on 127.0.0.1, so commands copied from its banner or the docs stay valid between runs.
 * Chosen clear of LocalStack (4566, 4510-4559), MinIO (9000), fake-gcs-server (4443) and Step Functions Local (8083).
 */
export const SANDBOX_DEFAULT_PORTS = { s3: 4700, gcs: 4701, sfn: 4702, console: 4703 } as const;

export type SandboxService = keyof typeof SANDBOX_DEFAULT_PORTS;

/** The first of `ports` (0 = any free port, not checked) that something on 127.0.0.1 already holds. */
export async function findBusyPort(ports: Record<SandboxService, number>): Promise<{ service: SandboxService; port: number } | undefined> {
  for (const service of Object.keys(ports) as SandboxService[]) {
    const port = ports[service];
    if (port !== 0 && !(await isFree(port))) return { service, port };
  }
  return undefined;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
