import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { StreamHasher, checksumsOf, crc32cToBase64, etagMd5Base64, hashEach, md5Wanted } from '../../../workflows/copy/checksums';

describe('StreamHasher', () => {
  it('computes the CRC32C check value of "123456789" (0xE3069283) in GCS encoding', () => {
    expect(checksumsOf(Buffer.from('123456789')).crc32c).toBe(Buffer.from('e3069283', 'hex').toString('base64'));
  });

  it('gives the empty object GCS\'s well-known hashes', () => {
    expect(checksumsOf(Buffer.alloc(0))).toEqual({ crc32c: 'AAAAAA==', md5: '1B2M2Y8AsgTpgAmY7PhCfg==' });
  });

  it('hashes the same however the bytes are split into chunks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.array(fc.nat(4096), { maxLength: 8 }), (bytes, cuts) => {
        const data = Buffer.from(bytes);
        const hasher = new StreamHasher();
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          const end = Math.min(cut, data.length);
          if (end > at) hasher.update(data.subarray(at, end));
          at = Math.max(at, end);
        }
        hasher.update(data.subarray(at));
        expect(hasher.bytes).toBe(data.length);
        expect(hasher.digest()).toEqual({ crc32c: checksumsOf(data).crc32c, md5: createHash('md5').update(data).digest('base64') });
      }),
    );
  });
});

describe('MD5 policy', () => {
  it('computes no MD5 when told not to, and the same CRC32C', () => {
    const data = Buffer.from('123456789');
    expect(checksumsOf(data, { md5: false })).toEqual({ crc32c: checksumsOf(data).crc32c });
  });

  it('wants MD5 when the source vouches for one, or always when asked', () => {
    expect(md5Wanted('when-verifiable', '1B2M2Y8AsgTpgAmY7PhCfg==')).toBe(true);
    expect(md5Wanted('when-verifiable', undefined)).toBe(false);
    expect(md5Wanted('always', undefined)).toBe(true);
  });
});

describe('crc32cToBase64', () => {
  it('encodes big-endian, as GCS does', () => {
    expect(crc32cToBase64(0x01020304)).toBe(Buffer.from([1, 2, 3, 4]).toString('base64'));
  });
});

describe('etagMd5Base64', () => {
  const hex = '9e107d9d372bb6826bd81d3542a419d6';
  const b64 = Buffer.from(hex, 'hex').toString('base64');

  it('reads a single-part ETag (quoted or not) as the MD5', () => {
    expect(etagMd5Base64(hex)).toBe(b64);
    expect(etagMd5Base64(`"${hex}"`)).toBe(b64);
    expect(etagMd5Base64(hex, 'AES256')).toBe(b64);
  });

  it.each([
    ['a multipart ETag', `${hex}-3`, undefined, undefined],
    ['an SSE-KMS object', hex, 'aws:kms', undefined],
    ['a DSSE-KMS object', hex, 'aws:kms:dsse', undefined],
    ['an SSE-C object', hex, undefined, 'AES256'],
    ['a non-hex ETag', 'not-an-md5', undefined, undefined],
  ])('does not trust %s', (_label, etag, sse, ssec) => {
    expect(etagMd5Base64(etag, sse, ssec)).toBeUndefined();
  });
});

describe('hashEach', () => {
  it('hashes every chunk it passes on and runs the end check before ending', async () => {
    const hasher = new StreamHasher();
    const seen: string[] = [];
    async function* source() {
      yield Buffer.from('abc');
      yield Buffer.from('def');
    }
    for await (const chunk of hashEach(source(), hasher, () => seen.push(`end after ${hasher.bytes}`))) seen.push(chunk.toString());
    expect(seen).toEqual(['abc', 'def', 'end after 6']);
  });

  it('propagates a failing end check as the stream error', async () => {
    async function* source() {
      yield Buffer.from('x');
    }
    const consume = async () => {
      for await (const _ of hashEach(source(), new StreamHasher(), () => {
        throw new Error('checksum mismatch');
      }));
    };
    await expect(consume()).rejects.toThrow('checksum mismatch');
  });
});
