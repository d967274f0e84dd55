import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../infra/app';
import { STAGES } from '../../infra/config/stages';
import { validateStageConfig } from '../../infra/config/validate';
import { settingsFromTemplate, type CfnTemplate, type StageCostSettings } from './stage-settings';

/** Synthesizes the stage in process (no bundling, a throwaway output directory; about 3 s) and reads its settings. */
export function synthStageSettings(stage: string): StageCostSettings {
  if (!(stage in STAGES)) throw new Error(`unknown stage '${stage}'; stages are: ${Object.keys(STAGES).join(', ')}`);
  const config = validateStageConfig(STAGES[stage as keyof typeof STAGES]);
  const outdir = mkdtempSync(join(tmpdir(), 'cost-synth-'));
  try {
    const { app, stacks } = buildApp({
      only: [stage],
      appProps: { outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } },
    });
    const template = app.synth().getStackByName(stacks[0]!.stackName).template as CfnTemplate;
    return settingsFromTemplate(stage, template, { thresholds: config.thresholds, storageClass: config.destination.storageClass });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
