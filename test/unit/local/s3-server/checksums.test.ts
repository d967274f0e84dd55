import {
  checksumOf,
  completedParts,
  compositeChecksum,
  declaredChecksum,
  multipartChecksumType,
  verifiedChecksum,
} from '../../../../workflows/local/s3-server/checksums';

/** The "check" value of each algorithm's catalogue entry: the checksum of the ASCII bytes "123456789". */
const CHECK = Buffer.from('123456789');
const hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');

describe('checksumOf', () => {
  it.each([
    ['CRC32', 'cbf43926'],
    ['CRC32C', 'e3069283'],
    ['CRC64NVME', 'ae8b14860a799888'],
    ['SHA1', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441'],
    ['SHA256', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225'],
  ] as const)('%s of "123456789" is the catalogue check value', async (algorithm, expected) => {
    expect(hex(await checksumOf(algorithm, [CHECK]))).toBe(expected);
  });

  it.each(['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const)('%s over chunks equals %s over their concatenation', async (algorithm) => {
    expect(await checksumOf(algorithm, [CHECK.subarray(0, 2), CHECK.subarray(2, 7), CHECK.subarray(7)])).toBe(await checksumOf(algorithm, [CHECK]));
  });
});

describe('declaredChecksum', () => {
  it('reads any of the five headers, and an algorithm named without a value', () => {
    expect(declaredChecksum({ 'x-amz-checksum-crc64nvme': 'rosUhgp5mIg=' })).toEqual({ algorithm: 'CRC64NVME', value: 'rosUhgp5mIg=' });
    expect(declaredChecksum({ 'x-amz-checksum-algorithm': 'crc32c' })).toEqual({ algorithm: 'CRC32C' });
    expect(declaredChecksum({})).toBeUndefined();
  });

  it('refuses two values, a value of the wrong length, an unknown algorithm and an algorithm that contradicts the value', () => {
    expect(() => declaredChecksum({ 'x-amz-checksum-crc32': '4waSgw==', 'x-amz-checksum-crc32c': '4waSgw==' })).toThrow(/single x-amz-checksum- header/);
    expect(() => declaredChecksum({ 'x-amz-checksum-crc32c': 'AAAA' })).toThrow(/x-amz-checksum-crc32c header is invalid/);
    expect(() => declaredChecksum({ 'x-amz-checksum-algorithm': 'MD5' })).toThrow(/unsupported/);
    expect(() => declaredChecksum({ 'x-amz-sdk-checksum-algorithm': 'CRC32', 'x-amz-checksum-crc32c': '4waSgw==' })).toThrow(/invalid/);
  });
});

describe('verifiedChecksum', () => {
  it('returns the computed value when it matches, computes one when only the algorithm is named, and refuses a mismatch as BadDigest', async () => {
    expect(await verifiedChecksum({ algorithm: 'CRC32C', value: '4waSgw==' }, CHECK)).toEqual({ algorithm: 'CRC32C', value: '4waSgw==' });
    expect(await verifiedChecksum({ algorithm: 'CRC32C' }, CHECK)).toEqual({ algorithm: 'CRC32C', value: '4waSgw==' });
    await expect(verifiedChecksum({ algorithm: 'CRC32C', value: 'AAAAAA==' }, CHECK)).rejects.toMatchObject({
      code: 'BadDigest',
      statusCode: 400,
      message: 'The CRC32C you specified did not match the calculated checksum.',
    });
  });
});

describe('multipart checksums', () => {
  it('COMPOSITE by default, FULL_OBJECT for CRC64NVME; FULL_OBJECT refused for SHA, COMPOSITE for CRC64NVME', () => {
    expect(multipartChecksumType('CRC32C', undefined)).toBe('COMPOSITE');
    expect(multipartChecksumType('CRC32C', 'FULL_OBJECT')).toBe('FULL_OBJECT');
    expect(multipartChecksumType('CRC64NVME', undefined)).toBe('FULL_OBJECT');
    expect(multipartChecksumType(undefined, undefined)).toBeUndefined();
    expect(() => multipartChecksumType('SHA256', 'FULL_OBJECT')).toThrow(/cannot be used/);
    expect(() => multipartChecksumType('CRC64NVME', 'COMPOSITE')).toThrow(/cannot be used/);
    expect(() => multipartChecksumType(undefined, 'FULL_OBJECT')).toThrow(/x-amz-checksum-algorithm/);
  });

  it('a composite is the checksum of the concatenated binary part checksums, then -N', async () => {
    const parts = [await checksumOf('CRC32C', [Buffer.from('a')]), await checksumOf('CRC32C', [Buffer.from('b')])];
    const joined = Buffer.concat(parts.map((p) => Buffer.from(p, 'base64')));
    expect(await compositeChecksum('CRC32C', parts)).toBe(`${await checksumOf('CRC32C', [joined])}-2`);
  });

  it('reads part numbers and checksums from a CompleteMultipartUpload body', () => {
    const xml =
      '<CompleteMultipartUpload><Part><ETag>"e1"</ETag><PartNumber>1</PartNumber><ChecksumCRC32C>4waSgw==</ChecksumCRC32C></Part>' +
      '<Part><PartNumber>2</PartNumber><ETag>"e2"</ETag></Part></CompleteMultipartUpload>';
    expect(completedParts(xml)).toEqual([
      { partNumber: 1, checksums: { CRC32C: '4waSgw==' } },
      { partNumber: 2, checksums: {} },
    ]);
  });
});
