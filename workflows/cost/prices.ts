import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One published price: the amount, when it was read, and where. */
export interface Price {
  usd: number;
  asOf: string;
  source: string;
}

export type GcsStorageClassName = 'STANDARD' | 'NEARLINE' | 'COLDLINE' | 'ARCHIVE';

export interface Prices {
  compiled: string;
  aws: {
    stepFunctionsStandardPerTransition: Price;
    stepFunctionsExpressPerRequest: Price;
    stepFunctionsExpressPerGbSecond: Price;
    lambdaArmPerGbSecond: Price;
    lambdaX86PerGbSecond: Price;
    lambdaPerRequest: Price;
    fargateArmPerVcpuHour: Price;
    fargateArmPerGbHour: Price;
    publicIpv4PerHour: Price;
    sqsPerRequest: Price;
    snsPerPublish: Price;
    s3GetPerRequest: Price;
    s3ListPerRequest: Price;
    internetEgressPerGb: Price;
    natGatewayPerGb: Price;
    cloudWatchLogsIngestPerGb: Price;
    xrayPerTraceRecorded: Price;
  };
  gcp: {
    classAPerOperation: Record<GcsStorageClassName, Price>;
    classBPerOperation: Record<GcsStorageClassName, Price>;
    storageTransferAgentlessPerGb: Price;
    storageTransferManagedPrivateNetworkPerGib: Price;
  };
}

/** docs/prices.json: the one file with every price the cost model uses, each with its date. */
export const PRICES_PATH = join(__dirname, '..', '..', 'docs', 'prices.json');

const AWS_KEYS: (keyof Prices['aws'])[] = [
  'stepFunctionsStandardPerTransition',
  'stepFunctionsExpressPerRequest',
  'stepFunctionsExpressPerGbSecond',
  'lambdaArmPerGbSecond',
  'lambdaX86PerGbSecond',
  'lambdaPerRequest',
  'fargateArmPerVcpuHour',
  'fargateArmPerGbHour',
  'publicIpv4PerHour',
  'sqsPerRequest',
  'snsPerPublish',
  's3GetPerRequest',
  's3ListPerRequest',
  'internetEgressPerGb',
  'natGatewayPerGb',
  'cloudWatchLogsIngestPerGb',
  'xrayPerTraceRecorded',
];
const CLASSES: GcsStorageClassName[] = ['STANDARD', 'NEARLINE', 'COLDLINE', 'ARCHIVE'];

export function loadPrices(path: string = PRICES_PATH): Prices {
  return parsePrices(JSON.parse(readFileSync(path, 'utf8')) as unknown, path);
}

/** Checks the shape: every price the model reads is present, a non-negative number, dated and sourced. */
export function parsePrices(raw: unknown, where = 'prices'): Prices {
  const root = object(raw, where);
  if (typeof root.compiled !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(root.compiled)) throw new Error(`${where}: 'compiled' must be a YYYY-MM-DD date`);
  const aws = object(root.aws, `${where}.aws`);
  const gcp = object(root.gcp, `${where}.gcp`);
  for (const key of AWS_KEYS) price(aws[key], `${where}.aws.${key}`);
  for (const group of ['classAPerOperation', 'classBPerOperation'] as const) {
    const byClass = object(gcp[group], `${where}.gcp.${group}`);
    for (const c of CLASSES) price(byClass[c], `${where}.gcp.${group}.${c}`);
  }
  price(gcp.storageTransferAgentlessPerGb, `${where}.gcp.storageTransferAgentlessPerGb`);
  price(gcp.storageTransferManagedPrivateNetworkPerGib, `${where}.gcp.storageTransferManagedPrivateNetworkPerGib`);
  return raw as Prices;
}

function price(raw: unknown, where: string): Price {
  const p = object(raw, where);
  if (typeof p.usd !== 'number' || !Number.isFinite(p.usd) || p.usd < 0) throw new Error(`${where}.usd must be a non-negative number`);
  if (typeof p.asOf !== 'string' || !/^\d{4}-\d{2}/.test(p.asOf)) throw new Error(`${where}.asOf must be a date (YYYY-MM[-DD])`);
  if (typeof p.source !== 'string' || p.source.length === 0) throw new Error(`${where}.source must say where the price comes from`);
  return p as unknown as Price;
}

function object(raw: unknown, where: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where} must be an object`);
  return raw as Record<string, unknown>;
}
