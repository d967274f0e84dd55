/** The scheduled restore drill, as a factory of its clients (see ./copy-object.ts for why factories). */
import type { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { ConfigurationError } from '../backup/errors';
import { runDrill, type DrillReport } from '../cli/restore/run-drill';

export interface DrillSettings {
  gcsBucket: string;
  gcsPrefix: string;
  scratchBucket: string;
  sample: number;
  alertTopicArn: string;
  stage: string;
}

/** Reads the drill's environment once, failing fast with the variable's name. */
export function readDrillSettings(env: NodeJS.ProcessEnv): DrillSettings {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new ConfigurationError(`${name} is not set`);
    return v;
  };
  const sample = Number(need('DRILL_SAMPLE'));
  if (!Number.isInteger(sample) || sample < 1) throw new ConfigurationError(`DRILL_SAMPLE must be a positive integer, got ${env['DRILL_SAMPLE']}`);
  return {
    gcsBucket: need('DEST_BUCKET'),
    gcsPrefix: env['DEST_PREFIX'] ?? '',
    scratchBucket: need('DRILL_SCRATCH_BUCKET'),
    sample,
    alertTopicArn: need('ALERT_TOPIC_ARN'),
    stage: env['STAGE'] ?? '',
  };
}

/**
 * Runs one drill into the stage's scratch bucket and alerts on the alert topic when anything differs or the drill
 * itself fails (then it also throws, so the invocation is marked failed). The report is the function's result and log.
 */
export function restoreDrillHandler(deps: { settings: DrillSettings; s3: S3Client; storage: () => Promise<Storage>; sns: SNSClient; logger: Logger }): () => Promise<DrillReport> {
  const { settings, logger } = deps;
  const alert = (subject: string, message: string) =>
    deps.sns.send(new PublishCommand({ TopicArn: settings.alertTopicArn, Subject: subject.slice(0, 100), Message: message }));
  return async () => {
    const stamp = new Date().toISOString().replace(/[^0-9TZ]/g, '');
    let report: DrillReport;
    try {
      report = await runDrill({
        s3: deps.s3,
        storage: await deps.storage(),
        gcsBucket: settings.gcsBucket,
        gcsPrefix: settings.gcsPrefix,
        scratchBucket: settings.scratchBucket,
        scratchPrefix: `drill-${stamp}/`,
        sample: settings.sample,
      });
    } catch (err) {
      await alert(`Restore drill FAILED to run (${settings.stage})`, `The restore drill of gs://${settings.gcsBucket}/${settings.gcsPrefix} could not run: ${(err as Error).name}: ${(err as Error).message}`);
      throw err;
    }
    logger.info('restore drill report', { report });
    if (report.differences.length > 0 || report.population === 0) {
      const lines = report.differences.slice(0, 20).map((d) => `- ${d.kind} ${d.key}: ${d.detail}`);
      await alert(
        `Restore drill found differences (${settings.stage})`,
        [
          `Restore drill of ${report.source} at ${report.finishedAt}: ${report.proven} of ${report.sampled} sampled backups proven restorable (population ${report.population}).`,
          report.population === 0 ? 'No backups with provenance were found to sample.' : `${report.differences.length} difference(s):`,
          ...lines,
          'Run the same drill from a workstation: s3gcs drill gs://BUCKET/PREFIX --sample N --scratch s3://SCRATCH/ (docs/operations.md).',
        ].join('\n'),
      );
    }
    return report;
  };
}
