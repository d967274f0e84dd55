/**
 * `npm run cost` — $ per million objects and $ per TB for this design, the old one and Storage Transfer Service,
 * from a synthesized stage, docs/prices.json and (with --from) the durations a bench run measured.
 *
 *   npm run cost -- [--stage production] [--from bench.json] [--json]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_ASSUMPTIONS, DEFAULT_MEASURED, type Measured } from './model';
import { loadPrices } from './prices';
import { costMarkdown } from './report';
import { pathCosts, runScenarios } from './scenarios';
import { synthStageSettings } from './synth-stage';

function main(): void {
  const { values } = parseArgs({
    options: { stage: { type: 'string', default: 'production' }, from: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('npm run cost -- [--stage NAME] [--from BENCH_JSON] [--json]\n  --from: the file `npm run bench -- --json FILE` wrote; its measured durations replace the defaults\n');
    return;
  }
  const measured: Measured = values.from ? (JSON.parse(readFileSync(values.from, 'utf8')) as { measured: Measured }).measured : DEFAULT_MEASURED;
  if (!measured) throw new Error(`${values.from} has no 'measured' section (write it with npm run bench -- --json FILE)`);
  const settings = synthStageSettings(values.stage);
  const prices = loadPrices();
  const inputs = { settings, prices, measured, assumptions: DEFAULT_ASSUMPTIONS };
  const results = runScenarios(inputs);
  const paths = pathCosts(inputs);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ settings, measured, assumptions: DEFAULT_ASSUMPTIONS, results, paths }, null, 2)}\n`);
    return;
  }
  const measuredFrom = values.from ? `from ${values.from}` : 'defaults: run the bench and pass --from for measured ones';
  process.stdout.write(`${costMarkdown({ settings, prices, measured, measuredFrom, assumptions: DEFAULT_ASSUMPTIONS, results, paths })}\n`);
}

main();
