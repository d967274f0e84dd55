import { randomBytes } from 'node:crypto';

/** S3's REST error document (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). */
export function s3ErrorXml(code: string, message: string, resource: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
    `<Resource>${escapeXml(resource)}</Resource><RequestId>${requestId}</RequestId>` +
    `<HostId>${randomBytes(24).toString('base64')}</HostId></Error>`
  );
}

/** What S3 answers when it throttles: 503 SlowDown. */
export function slowDown(resource: string): { status: number; headers: Record<string, string>; body: string } {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = s3ErrorXml('SlowDown', 'Please reduce your request rate.', resource, requestId);
  return {
    status: 503,
    headers: {
      'content-type': 'application/xml',
      'x-amz-request-id': requestId,
      'x-amz-id-2': randomBytes(24).toString('base64'),
    },
    body,
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
