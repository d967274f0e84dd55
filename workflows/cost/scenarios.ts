import { EXECUTION_PATHS, type PathName } from './paths';
import { expressFirstCost, oldDesignCost, ourDesignCost, routePath, storageTransferCost, type CostInputs, type CostLine, type ObjectCost } from './model';

/** The comparisons docs/benchmarks.md shows: a million small objects, and a terabyte in objects of several sizes. */
export interface Scenario {
  label: string;
  objectBytes: number;
  /** Objects in the scenario: 1,000,000, or as many as make 1 TB (10^12 bytes). */
  objects: number;
  unit: '$ per million objects' | '$ per TB';
}

export type DesignName = 'our design, express-first' | 'our design, standard-only' | 'old design (SNS + Lambda + DLQ chain)' | 'Storage Transfer Service' | 'Storage Transfer Service, managed private network';

export interface ScenarioResult {
  scenario: Scenario;
  /** Path our design takes. */
  path: PathName;
  designs: Record<DesignName, { total: number; lines: Partial<Record<CostLine, number>>; copies: boolean; note?: string }>;
}

const TB = 1e12;
const KIB = 1024;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

export const SCENARIOS: Scenario[] = [
  { label: '1 million objects of 1 KiB', objectBytes: KIB, objects: 1e6, unit: '$ per million objects' },
  { label: '1 TB in 64 MiB objects', objectBytes: 64 * MIB, objects: TB / (64 * MIB), unit: '$ per TB' },
  { label: '1 TB in 1 GiB objects', objectBytes: GIB, objects: TB / GIB, unit: '$ per TB' },
  { label: '1 TB in 32 GiB objects', objectBytes: 32 * GIB, objects: TB / (32 * GIB), unit: '$ per TB' },
];

export function runScenarios(inputs: CostInputs, scenarios: Scenario[] = SCENARIOS): ScenarioResult[] {
  return scenarios.map((scenario) => {
    const scale = (c: ObjectCost) => ({
      total: c.total * scenario.objects,
      lines: Object.fromEntries(Object.entries(c.lines).map(([k, v]) => [k, (v ?? 0) * scenario.objects])) as Partial<Record<CostLine, number>>,
      copies: c.copies,
      ...(c.note ? { note: c.note } : {}),
    });
    const size = scenario.objectBytes;
    return {
      scenario,
      path: routePath(inputs.settings, size),
      designs: {
        'our design, express-first': scale(expressFirstCost(inputs, size)),
        'our design, standard-only': scale(ourDesignCost(inputs, size)),
        'old design (SNS + Lambda + DLQ chain)': scale(oldDesignCost(inputs, size)),
        'Storage Transfer Service': scale(storageTransferCost(inputs, size)),
        'Storage Transfer Service, managed private network': scale(storageTransferCost(inputs, size, true)),
      },
    };
  });
}

/** Step Functions' share per million executions along every path: what retries, escalations and alerts add. */
export function pathCosts(inputs: CostInputs): { path: PathName; transitions: number; perMillion: number }[] {
  return (Object.keys(EXECUTION_PATHS) as PathName[]).map((path) => ({
    path,
    transitions: EXECUTION_PATHS[path].length,
    perMillion: EXECUTION_PATHS[path].length * inputs.prices.aws.stepFunctionsStandardPerTransition.usd * 1e6,
  }));
}
