/**
 * The console's JSON API: what the server answers and the page reads. Types only, so the page's bundle takes none of
 * the server's code.
 */
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import type { Alert } from '../alerting/execution-alert';
import type { RecordedProvenance } from '../copy/metadata';
import type { EventRow, ExecutionPath } from './execution-view';
import type { ConsoleGraph } from './graph';

export interface ConsoleInfo {
  label: string;
  kind: 'sandbox' | 'aws';
  writable: boolean;
  stateMachines: StateMachineInfo[];
  /** The backup-object machine the target names: the list's default. */
  defaultStateMachineArn: string;
}

export interface StateMachineInfo {
  name: string;
  arn: string;
  type: string;
}

export interface ExecutionRow {
  name: string;
  executionArn: string;
  stateMachineArn: string;
  status: string;
  startDate: string;
  stopDate?: string;
  durationMs?: number;
  redriveCount: number;
  object?: { action: string; bucket: string; key: string; versionId?: string };
  outcome?: string;
  tier?: string;
  bytes?: number;
  error?: string;
}

export interface ObjectView {
  executions: (ExecutionRow & { machine: string; kind: string })[];
  gcs: GcsObjectView;
}

export interface ListQuery {
  stateMachineArn: string;
  status?: ExecutionStatus;
  since?: Date;
  until?: Date;
  /** Keeps executions whose object key contains this text. */
  key?: string;
  nextToken?: string;
}

export interface ExecutionDetail {
  row: ExecutionRow;
  input?: string;
  output?: string;
  cause?: string;
  stateMachine: StateMachineInfo;
  graph: ConsoleGraph;
  path: ExecutionPath;
  events: EventRow[];
  alert?: Alert;
  commands: { replay?: string; redrive?: string };
  /** Whether the page may offer the Redrive and Replay buttons. */
  actions: { redrive: boolean; replay: boolean };
}

export interface GcsObjectView {
  /** gs://bucket/name, when the destination is known. */
  location?: string;
  state: 'present' | 'absent' | 'unknown';
  reason?: string;
  generation?: string;
  size?: number;
  crc32c?: string;
  md5?: string;
  updated?: string;
  verified?: boolean;
  unverifiedReason?: string;
  provenance?: RecordedProvenance;
}

