import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { startS3Fixture, type S3Fixture } from '../../support/s3-server';

/**
 * The AWS CLI against the local S3 server, as a user tries it (issue 12): listings page by page, sync that uploads
 * nothing the second time, empty uploads, 16 MiB multipart chunks. Runs where `aws` is installed.
 */
const run = promisify(execFile);
const MiB = 1024 * 1024;
const hasAws = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasAws) console.warn('s3-aws-cli.test.ts: the AWS CLI (`aws`) is not installed here, so its conformance tests are skipped');
const describeWithAws = hasAws ? describe : describe.skip;

/** File names a user has: mixed case, NFC and NFD, emoji, CJK, spaces and `+`, nested directories. */
const NAMES = [
  'A.txt', 'a.txt', 'B/b.txt', 'b/B.txt', 'Zebra.txt', 'zebra.txt', 'caf\u00e9.txt', 'cafe\u0301.txt', '\u00e9/1.txt', 'e\u0301/1.txt',
  '\u{1F600}.txt', '\uFF5A.txt', 'dir/\u{1F389}/x.txt', 'dir/sub/y.txt', 'dir/sub/Y.txt', 'dir/a b+c.txt', '\u65e5\u672c/\u8a9e.txt',
  'n/0.txt', 'n/1.txt', 'n/10.txt', 'n/2.txt', 'x-y.txt', 'x_y.txt', 'x.y.txt', 'x/y.txt', '~tilde.txt', '(paren).txt', "it's.txt",
];

let fx: S3Fixture;
let dir: string;
let config: string;

async function aws(...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CA_BUNDLE: '',
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_MAX_ATTEMPTS: '1',
  };
  const { stdout } = await run('aws', ['--endpoint-url', fx.server.endpoint, ...args], { env, maxBuffer: 16 * MiB });
  return stdout;
}

describeWithAws('the AWS CLI against the local S3 server', () => {
  beforeAll(async () => {
    fx = await startS3Fixture();
    await fx.createBucket('cli');
    dir = mkdtempSync(join(tmpdir(), 's3-aws-cli-'));
    config = join(dir, 'config');
    // 16 MiB parts: fauxqs alone refused request bodies over 11 MiB with 413.
    writeFileSync(config, '[default]\ns3 =\n  multipart_chunksize = 16MB\n  multipart_threshold = 16MB\n');
    for (const name of NAMES) {
      mkdirSync(dirname(join(dir, 'tree', name)), { recursive: true });
      writeFileSync(join(dir, 'tree', name), `body of ${name}`);
    }
  });
  afterAll(async () => {
    await fx?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs a tree of tricky names, lists all of them 4 per page, and a second sync uploads nothing', async () => {
    const first = await aws('s3', 'sync', join(dir, 'tree'), 's3://cli/tree', '--no-progress');
    expect(first.match(/^upload: /gm)).toHaveLength(NAMES.length);

    const listed = (await aws('s3', 'ls', '--recursive', '--page-size', '4', 's3://cli/tree/'))
      .trim()
      .split('\n')
      .map((line) => line.replace(/^\S+ \S+ +\d+ /, ''));
    const expected = NAMES.map((n) => `tree/${n}`).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(listed).toEqual(expected);

    const second = await aws('s3', 'sync', join(dir, 'tree'), 's3://cli/tree', '--no-progress');
    expect(second).toBe('');
  });

  it('lists the same through s3api list-objects (v1 markers) and list-objects-v2, 4 per page', async () => {
    const expected = NAMES.map((n) => `tree/${n}`).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const api of ['list-objects', 'list-objects-v2']) {
      const out = JSON.parse(await aws('s3api', api, '--bucket', 'cli', '--prefix', 'tree/', '--page-size', '4', '--output', 'json')) as {
        Contents: { Key: string }[];
      };
      expect(out.Contents.map((c) => c.Key)).toEqual(expected);
    }
  });

  it('uploads an empty file with s3 cp and an empty object with s3api put-object without a body', async () => {
    writeFileSync(join(dir, 'empty-file'), '');
    await aws('s3', 'cp', join(dir, 'empty-file'), 's3://cli/empty-file', '--no-progress');
    await aws('s3api', 'put-object', '--bucket', 'cli', '--key', 'no-body');
    for (const Key of ['empty-file', 'no-body']) {
      expect(await fx.s3.send(new HeadObjectCommand({ Bucket: 'cli', Key }))).toMatchObject({ ContentLength: 0, ETag: '"d41d8cd98f00b204e9800998ecf8427e"' });
    }
  });

  it('uploads 40 MiB in 16 MiB multipart chunks and a 12 MiB single put-object, byte-identical', async () => {
    const big = randomBytes(40 * MiB);
    writeFileSync(join(dir, 'big.bin'), big);
    await aws('s3', 'cp', join(dir, 'big.bin'), 's3://cli/big.bin', '--no-progress');
    const head = await fx.s3.send(new HeadObjectCommand({ Bucket: 'cli', Key: 'big.bin' }));
    expect(head.ETag).toMatch(/-3"$/); // 16 + 16 + 8 MiB
    const got = Buffer.from(await (await fx.s3.send(new GetObjectCommand({ Bucket: 'cli', Key: 'big.bin' }))).Body!.transformToByteArray());
    expect(createHash('md5').update(got).digest('hex')).toBe(createHash('md5').update(big).digest('hex'));

    writeFileSync(join(dir, 'twelve.bin'), big.subarray(0, 12 * MiB));
    const put = JSON.parse(await aws('s3api', 'put-object', '--bucket', 'cli', '--key', 'twelve.bin', '--body', join(dir, 'twelve.bin'))) as { ETag: string };
    expect(put.ETag).toBe(`"${createHash('md5').update(readFileSync(join(dir, 'twelve.bin'))).digest('hex')}"`);
  });
});
