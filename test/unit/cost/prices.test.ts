import { loadPrices, parsePrices } from '../../../workflows/cost/prices';

const valid = () => JSON.parse(JSON.stringify(loadPrices())) as Record<string, Record<string, Record<string, unknown>>>;

it('expect docs/prices.json to date and source every price the model reads', () => {
  const prices = loadPrices();
  expect(prices.compiled).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(prices.aws.stepFunctionsStandardPerTransition.usd).toBe(0.000025);
  expect(prices.aws.lambdaArmPerGbSecond.usd).toBe(0.0000133334);
  expect(prices.gcp.classAPerOperation.STANDARD.usd).toBe(0.000005);
});

it('expect a price without its date to be refused, naming it', () => {
  const raw = valid();
  delete (raw.aws!.sqsPerRequest as Record<string, unknown>).asOf;
  expect(() => parsePrices(raw)).toThrow('prices.aws.sqsPerRequest.asOf must be a date');
});

it('expect a missing storage-class price to be refused', () => {
  const raw = valid();
  delete (raw.gcp!.classAPerOperation as Record<string, unknown>).NEARLINE;
  expect(() => parsePrices(raw)).toThrow('prices.gcp.classAPerOperation.NEARLINE must be an object');
});

it('expect a negative price to be refused', () => {
  const raw = valid();
  (raw.aws!.internetEgressPerGb as Record<string, unknown>).usd = -1;
  expect(() => parsePrices(raw)).toThrow('prices.aws.internetEgressPerGb.usd must be a non-negative number');
});
