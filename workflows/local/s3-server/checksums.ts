/**
 * S3's additional checksums for the local S3 server (fauxqs 2.4.1 reads only CRC32, SHA1 and SHA256 headers and
 * never checks them): which one a request declares, computing it, and the multipart forms.
 *
 * S3 computes the checksum of what it received and refuses the request with 400 BadDigest when it differs from the
 * one declared in an `x-amz-checksum-<algorithm>` header or aws-chunked trailer; it stores the value with the object
 * and returns it to GET/HEAD with ChecksumMode ENABLED
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity-upload.html). A multipart upload
 * has one of two types: COMPOSITE, the checksum of the concatenated binary part checksums followed by `-<part count>`
 * (CRC32, CRC32C, SHA1, SHA256), or FULL_OBJECT, the checksum of the whole object's bytes (CRC32, CRC32C, CRC64NVME
 * only). S3 gets the full-object CRC by combining the part CRCs; we hash the parts' bytes in order, which gives the
 * same value.
 */
import { createHash } from 'node:crypto';
import { crc32, crc32c } from '@node-rs/crc32';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { RequestBodyError } from './request-body';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };
const FULL_OBJECT_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME'];
const COMPOSITE_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'];

/** A checksum the body does not match is, like a short body, S3's refusal of the request body. */
export { RequestBodyError as ChecksumError };

export const checksumHeader = (algorithm: ChecksumAlgorithm): string => `x-amz-checksum-${algorithm.toLowerCase()}`;

export function parseAlgorithm(value: string | undefined): ChecksumAlgorithm | undefined {
  if (value === undefined || value === '') return undefined;
  const upper = value.toUpperCase();
  if ((CHECKSUM_ALGORITHMS as readonly string[]).includes(upper)) return upper as ChecksumAlgorithm;
  throw new RequestBodyError('InvalidRequest', 400, `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [${CHECKSUM_ALGORITHMS.join(', ')}]`);
}

export interface DeclaredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64; absent when the request names an algorithm but no value (S3 then computes it). */
  value?: string;
}

type Headers = Record<string, string | string[] | undefined>;
const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The checksum a request declares (headers, with aws-chunked trailers merged in), or undefined. */
export function declaredChecksum(headers: Headers): DeclaredChecksum | undefined {
  const values = CHECKSUM_ALGORITHMS.flatMap((algorithm) => {
    const value = header(headers, checksumHeader(algorithm));
    return value === undefined ? [] : [{ algorithm, value: value.trim() }];
  });
  if (values.length > 1) throw new RequestBodyError('InvalidRequest', 400, 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const named = parseAlgorithm(header(headers, 'x-amz-sdk-checksum-algorithm') ?? header(headers, 'x-amz-checksum-algorithm'));
  const declared = values[0];
  if (declared && named && declared.algorithm !== named) {
    throw new RequestBodyError('InvalidRequest', 400, `Value for x-amz-sdk-checksum-algorithm header is invalid: ${named} does not match the ${checksumHeader(declared.algorithm)} header`);
  }
  if (declared) {
    const raw = Buffer.from(declared.value, 'base64');
    if (raw.length !== DIGEST_BYTES[declared.algorithm] || raw.toString('base64') !== declared.value) {
      throw new RequestBodyError('InvalidRequest', 400, `Value for ${checksumHeader(declared.algorithm)} header is invalid.`);
    }
    return declared;
  }
  return named ? { algorithm: named } : undefined;
}

/** Base64 checksum of `chunks` in order, as one byte stream. */
export async function checksumOf(algorithm: ChecksumAlgorithm, chunks: readonly Buffer[]): Promise<string> {
  switch (algorithm) {
    case 'CRC32':
    case 'CRC32C': {
      const fn = algorithm === 'CRC32' ? crc32 : crc32c;
      let crc = 0;
      for (const c of chunks) crc = fn(c, crc);
      const out = Buffer.alloc(4);
      out.writeUInt32BE(crc >>> 0);
      return out.toString('base64');
    }
    case 'CRC64NVME': {
      const hash = new Crc64Nvme();
      for (const c of chunks) hash.update(c);
      return Buffer.from(await hash.digest()).toString('base64');
    }
    case 'SHA1':
    case 'SHA256': {
      const hash = createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256');
      for (const c of chunks) hash.update(c);
      return hash.digest('base64');
    }
  }
}

/** S3's refusal of a body that does not hash to the declared value. */
export function badDigest(algorithm: ChecksumAlgorithm): RequestBodyError {
  return new RequestBodyError('BadDigest', 400, `The ${algorithm} you specified did not match the calculated checksum.`);
}

/** The checksum to store for a body, after checking the declared value; undefined when the request declares none. */
export async function verifiedChecksum(declared: DeclaredChecksum | undefined, body: Buffer): Promise<{ algorithm: ChecksumAlgorithm; value: string } | undefined> {
  if (!declared) return undefined;
  const value = await checksumOf(declared.algorithm, [body]);
  if (declared.value !== undefined && declared.value !== value) throw badDigest(declared.algorithm);
  return { algorithm: declared.algorithm, value };
}

/** CreateMultipartUpload's algorithm and type: COMPOSITE by default, FULL_OBJECT for CRC64NVME (its only type). */
export function multipartChecksumType(algorithm: ChecksumAlgorithm | undefined, requested: string | undefined): ChecksumType | undefined {
  const type = requested?.toUpperCase();
  if (type !== undefined && type !== 'FULL_OBJECT' && type !== 'COMPOSITE') throw new RequestBodyError('InvalidRequest', 400, `Value for x-amz-checksum-type header is invalid.`);
  if (!algorithm) {
    if (type) throw new RequestBodyError('InvalidRequest', 400, 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    return undefined;
  }
  const chosen: ChecksumType = type ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  const allowed = chosen === 'FULL_OBJECT' ? FULL_OBJECT_ALGORITHMS : COMPOSITE_ALGORITHMS;
  if (!allowed.includes(algorithm)) {
    throw new RequestBodyError('InvalidRequest', 400, `The ${chosen} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  }
  return chosen;
}

/** COMPOSITE: the checksum of the concatenated binary part checksums, then `-<part count>`. */
export async function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: readonly string[]): Promise<string> {
  const joined = Buffer.concat(partChecksums.map((c) => Buffer.from(c, 'base64')));
  return `${await checksumOf(algorithm, [joined])}-${partChecksums.length}`;
}

/** The `<Part>` entries of a CompleteMultipartUpload body: number, ETag and any Checksum<ALGORITHM> given. */
export interface CompletedPart {
  partNumber: number;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}
export function completedParts(xml: string): CompletedPart[] {
  const parts: CompletedPart[] = [];
  for (const [, block] of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const number = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(block!);
    if (!number) continue;
    const checksums: CompletedPart['checksums'] = {};
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const m = new RegExp(`<Checksum${algorithm}>\\s*([^<]*?)\\s*</Checksum${algorithm}>`).exec(block!);
      if (m) checksums[algorithm] = m[1]!;
    }
    parts.push({ partNumber: Number(number[1]), checksums });
  }
  return parts;
}
