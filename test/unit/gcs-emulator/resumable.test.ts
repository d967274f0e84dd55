import { parseContentRange } from '../../../workflows/local/gcs-emulator/resumable';

it.each([
  ['bytes */*', { kind: 'query' }],
  ['bytes */1048576', { kind: 'query', total: 1048576 }],
  ['bytes 0-262143/*', { kind: 'data', start: 0, last: false }],
  ['bytes 262144-300000/300001', { kind: 'data', start: 262144, total: 300001, last: false }],
  ['bytes 0-*/*', { kind: 'data', start: 0, last: true }],
  ['bytes 5-*/10', { kind: 'data', start: 5, total: 10, last: true }],
  ['bytes 0--1/0', { kind: 'data', start: 0, total: 0, last: false }],
])('reads Content-Range %s', (header, range) => {
  expect(parseContentRange(header)).toEqual(range);
});

it('treats a request without Content-Range as the whole object', () => {
  expect(parseContentRange(undefined)).toEqual({ kind: 'data', start: 0, last: true });
});

it('rejects a malformed Content-Range with 400', () => {
  expect(() => parseContentRange('bytes=0-1')).toThrow(expect.objectContaining({ status: 400 }));
});
