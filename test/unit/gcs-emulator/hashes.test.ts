import { createHash, randomBytes } from 'node:crypto';
import { crc32cBase64, parseGoogHash, StreamHasher } from '../../../workflows/local/gcs-emulator/hashes';

it('reports the CRC32C check value of "123456789" (0xE3069283) as GCS does, base64 big-endian', () => {
  const h = new StreamHasher();
  h.update(Buffer.from('123456789'));
  expect(h.digest().crc32c).toBe(Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString('base64'));
  expect(crc32cBase64(0)).toBe('AAAAAA==');
});

it('gives the same hashes for a body fed in pieces as for the whole body', () => {
  const body = randomBytes(100_000);
  const whole = new StreamHasher();
  whole.update(body);
  const pieces = new StreamHasher();
  for (let i = 0; i < body.length; i += 7_777) pieces.update(body.subarray(i, i + 7_777));
  expect(pieces.digest()).toEqual(whole.digest());
  expect(whole.digest().md5Hash).toBe(createHash('md5').update(body).digest('base64'));
});

it('a snapshot is unaffected by later updates (resumable roll-back)', () => {
  const h = new StreamHasher();
  h.update(Buffer.from('abc'));
  const snap = h.snapshot();
  h.update(Buffer.from('def'));
  const abc = new StreamHasher();
  abc.update(Buffer.from('abc'));
  expect(snap.digest()).toEqual(abc.digest());
});

it('parses X-Goog-Hash into object-resource field names', () => {
  expect(parseGoogHash('crc32c=n03x6A==, md5=XrY7u+Ae7tCTyyK7j1rNww==')).toEqual({ crc32c: 'n03x6A==', md5Hash: 'XrY7u+Ae7tCTyyK7j1rNww==' });
  expect(parseGoogHash(undefined)).toEqual({});
});
