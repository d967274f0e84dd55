import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { sourceS3Client } from '../../../workflows/backup/clients';
import { classifyError } from '../../../workflows/backup/classify-error';

// A peer that accepts connections and never answers: what a stalled S3 connection looks like to the copier.
describe('the copiers\' S3 client gives up on a silent connection', () => {
  let server: Server;
  const sockets: Socket[] = [];
  const saved = { ...process.env };
  beforeAll(async () => {
    // The client reads region and credentials from the environment, as the handlers' clients do on AWS.
    Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    server = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterAll(async () => {
    process.env = saved;
    for (const s of sockets) s.destroy();
    server.close();
    await once(server, 'close');
  });

  it('fails with an error classified transient instead of hanging', async () => {
    const { port } = server.address() as { port: number };
    const s3 = sourceS3Client(
      { S3_ENDPOINT: `http://127.0.0.1:${port}` },
      { connectionTimeout: 1_000, socketTimeout: 300 },
    );
    const err = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    s3.destroy();
    expect(err).toBeInstanceOf(Error);
    expect(classifyError(err, { side: 's3', operation: 'GetObject', location: 's3://b/k' }).name).toBe('TransientError');
  });
});
