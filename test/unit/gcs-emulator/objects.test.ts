import { parseRange } from '../../../workflows/local/gcs-emulator/objects';

it.each([
  ['bytes=0-9', [0, 10]],
  ['bytes=5-', [5, 100]],
  ['bytes=-10', [90, 100]],
  ['bytes=-500', [0, 100]],
  ['bytes=90-500', [90, 100]],
  ['bytes=100-', 'unsatisfiable'],
  ['bytes=-0', 'unsatisfiable'],
  ['bytes=0-1,5-6', undefined],
  [undefined, undefined],
])('maps Range %s of a 100-byte object to %j', (header, range) => {
  expect(parseRange(header, 100)).toEqual(range);
});
