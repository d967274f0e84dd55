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
    ['objects', `${r.objects} keys, ${r.versionsWritten} versions, ${mib(r.bytesWritten)} written; ${r.overwrittenKeys} overwritten and ${r.deletedKeys} deleted while copying`],
    ['events', `${r.events.reported} reported, ${r.events.deliveries} delivered (each twice), ${r.events.reorderedDeliveries} older-after-newer, ${r.events.deduplicated} deduplicated by execution name`],
    ['executions', `${r.executions.total}: ${kv(r.executions.byStatus)}`],
    ['outcomes', kv(r.executions.byOutcome)],
    ['faults injected', `${r.faults.total}`],
    ...Object.entries({ ...r.faults.s3, ...r.faults.gcs })
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]): [string, string] => [`  ${k}`, String(n)]),
    ['retries', `${r.retries} (Step Functions Retry; client retries absorbed the rest)`],
    ['escalations', `${r.escalations}: ${kv(r.escalationsBy)}`],
    ['alerts', `${r.alerts} (${r.alertedKeys.length} keys)`],
    ['replays', `${r.replays.length} with s3gcs replay, ${r.replays.filter((x) => x.status === 'SUCCEEDED').length} SUCCEEDED; after replay ${r.afterReplay.ok}/${r.replays.length} verified`],
    ['verified', `${r.verification.keys} keys in the source: ${r.verification.ok} ok, ${r.verification.alerted} alerted`],
    ['lost', String(r.verification.lost + r.afterReplay.lost)],
    ['corrupt', String(r.verification.corrupt + r.verification.corruptBackups.length + r.afterReplay.corrupt)],
    ['dead letters', String(r.deadLetters)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  if (r.replays.length > 0) {
    lines.push('', 'Alerted keys, replayed with `s3gcs replay --data-dir <dir> s3://soak-source/<key> --wait`:');
    for (const x of r.replays) lines.push(`  ${x.key} → ${x.status ?? `exit ${x.exitCode}`}${x.outcome ? ` (${x.outcome})` : ''}`);
  }
  if (r.problems.length > 0) lines.push('', 'PROBLEMS:', ...r.problems.map((p) => `  - ${p}`));
  lines.push('', r.passed ? 'PASSED: zero silent loss, zero corruption.' : `FAILED (data kept in ${r.dataDir})`);
  return lines.join('\n');
}
