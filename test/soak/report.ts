import type { SoakReport } from './soak';

/** The soak's summary as a person reads it. */
export function formatReport(r: SoakReport): string {
  const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  const kv = (map: Record<string, number>): string =>
    Object.entries(map)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  const rows: [string, string][] = [
    ['seed', `${r.seed}   (repeat with: npm run soak -- --seed ${r.seed}${r.profile === 'short' ? ' --short' : ''})`],
    ['duration', `${(r.durationMs / 1000).toFixed(1)} s`],
    ['objects', `${r.objects} in ${r.sourceBuckets.join(', ')} (${r.sharedKeys} keys in more than one), ${r.versionsWritten} versions, ${mib(r.bytesWritten)} written`],
    ['changes', `${r.overwrittenKeys} overwritten and ${r.deletedKeys} deleted while copying; ${r.lateDeletedKeys} deleted after their backup`],
    ['events', `${r.events.reported} reported, ${r.events.deliveries} delivered (each twice), ${r.events.reorderedDeliveries} older-after-newer, ${r.events.lateDeliveries} held until after replays and backfill, ${r.events.deduplicated} deduplicated by execution name`],
    ['second run', `${r.secondRun.replays.length} replays (${r.secondRun.replays.filter((x) => x.status === 'SUCCEEDED').length} SUCCEEDED), backfill of s3://${r.secondRun.backfill?.bucket ?? '?'}: ${r.secondRun.backfill?.started ?? 0} started`],
    ['executions', `${r.executions.total}: ${kv(r.executions.byStatus)}`],
    ['outcomes', kv(r.executions.byOutcome)],
    ['retries', `${r.retries} (Step Functions Retry; client retries absorbed the rest)`],
    ['escalations', `${r.escalations}: ${kv(r.escalationsBy)}`],
    ['alerts', `${r.alerts} (${r.alertedKeys.length} keys)`],
    ['replays', `${r.replays.length} alerted keys replayed with s3gcs replay, ${r.replays.filter((x) => x.status === 'SUCCEEDED').length} SUCCEEDED; after replay ${r.afterReplay.ok}/${r.replays.length} ok`],
    ['verified', `${r.verification.keys} source objects that must have a backup: ${r.verification.ok} ok, ${r.verification.alerted} alerted; ${r.verification.strays.length} stray backups`],
    ['dead letters', String(r.deadLetters)],
  ];
  const table = (title: string, entries: [string, string][]): string[] => {
    const width = Math.max(...entries.map(([k]) => k.length));
    return ['', title, ...entries.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
  };
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  const faults = Object.entries({ ...r.faults.s3, ...r.faults.gcs }).sort(([a], [b]) => a.localeCompare(b));
  lines.push(...table(`FAULTS (kind → injected), ${r.faults.total} in all`, faults.map(([k, n]) => [k, String(n)])));
  lines.push(...table('VERDICT (every count must be 0)', Object.entries(r.verdict).map(([k, n]) => [k, String(n)])));
  if (r.replays.length > 0) {
    lines.push('', 'Alerted keys, replayed with `s3gcs replay --data-dir <dir> s3://<bucket>/<key> --wait`:');
    for (const x of r.replays) lines.push(`  ${x.key} → ${x.status ?? `exit ${x.exitCode}`}${x.outcome ? ` (${x.outcome})` : ''}`);
  }
  if (r.problems.length > 0) {
    const shown = r.problems.slice(0, 40);
    lines.push('', 'PROBLEMS:', ...shown.map((p) => `  - ${p}`));
    if (r.problems.length > shown.length) lines.push(`  … and ${r.problems.length - shown.length} more (--json lists them all)`);
  }
  lines.push('', r.passed ? 'PASSED: nothing lost, corrupt, unverified, wrong-bucket, stale or mislabelled.' : `FAILED (data kept in ${r.dataDir})`);
  return lines.join('\n');
}
