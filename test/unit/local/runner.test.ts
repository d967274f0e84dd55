/**
 * The local runner's preparation and per-execution state: the definition is validated once and the checked, prepared
 * state machine is reused, while every execution keeps its own name, timeline, output and alerts — also when many
 * run at once on one environment.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDefinition, type JsonObject } from '../../../workflows/local/asl-definition';
import { LocalAlertSink } from '../../../workflows/local/alert-sink';
import * as localSfn from '../../../workflows/local/local-sfn';
import { runBackupExecution } from '../../../workflows/local/runner';
import { copied, failWith, StandInEngine, standInEnvironment } from '../asl/stand-in-engine';

jest.mock('../../../workflows/local/local-sfn', () => {
  const actual = jest.requireActual<typeof localSfn>('../../../workflows/local/local-sfn');
  // Every construction goes through the real class; the mock only records the options it was given.
  return { ...actual, StateMachine: jest.fn((definition: unknown, options: unknown) => new actual.StateMachine(definition as never, options as never)) };
});
const constructed = localSfn.StateMachine as unknown as jest.Mock;
const validating = (): number => constructed.mock.calls.filter(([, options]) => !(options as { validationOptions?: { noValidate?: boolean } } | undefined)?.validationOptions?.noValidate).length;

function record(key: string): Record<string, unknown> {
  return {
    Records: [
      { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'source-bucket' }, object: { key, size: 10, eTag: '0123456789abcdef0123456789abcdef', sequencer: '0A' } } },
    ],
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(() => constructed.mockClear());

describe('preparing the state machine', () => {
  test('validates a definition once, and builds no state machine per execution of an environment', async () => {
    const env = standInEnvironment(new StandInEngine());
    for (let i = 0; i < 5; i++) expect((await runBackupExecution(record(`a/${i}`), env)).status).toBe('SUCCEEDED');
    expect(constructed).toHaveBeenCalledTimes(1);
    // Another environment resolving to the same definition is prepared (its bindings checked) but not validated again.
    await runBackupExecution(record('b/0'), standInEnvironment(new StandInEngine()));
    expect(constructed).toHaveBeenCalledTimes(2);
    expect(validating()).toBe(1);
  });

  test('validates again when the resolved definition differs (another routing)', async () => {
    const before = validating();
    await runBackupExecution(record('c/0'), standInEnvironment(new StandInEngine(), { routing: { smallMaxBytes: 12_345 } }));
    expect(validating()).toBe(before + 1);
  });

  test.each([
    ['an unbound Task', (def: JsonObject) => setState(def, 'Describe the object', { Resource: 'arn:aws:states:::aws-sdk:sns:publish' }), /Task "Describe the object" uses resource/],
    ['an unresolved substitution', (def: JsonObject) => setState(def, 'Describe the object', { Comment: '${NoSuchValue}' }), /unresolved substitution\(s\) \$\{NoSuchValue\}/],
  ])('refuses a definition file with %s before anything runs, on every attempt', async (_label, edit, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    try {
      const path = join(dir, 'edited.asl.json');
      const def = loadDefinition();
      edit(def);
      writeFileSync(path, JSON.stringify(def));
      const engine = new StandInEngine();
      const env = standInEnvironment(engine);
      await expect(runBackupExecution(record('d/0'), env, { definitionPath: path })).rejects.toThrow(message);
      await expect(runBackupExecution(record('d/1'), env, { definitionPath: path })).rejects.toThrow(message); // a refusal is not remembered as prepared
      expect(engine.calls).toEqual([]);
      expect(constructed).not.toHaveBeenCalled();
      // The same environment still runs the deployed definition.
      await expect(runBackupExecution(record('d/2'), env)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('executions sharing one environment', () => {
  test('each reports its own name, output and alerts while others publish to the same sink at once', async () => {
    // Failing copies alert at once; successful ones finish later, so an alert published while they run is not theirs.
    const engine = new StandInEngine(async (req, ctx) => {
      if (req.key.startsWith('bad/')) return failWith('SourceNotReadable', `${req.key} cannot be read`)(req, ctx);
      await delay(50);
      return copied(req, ctx);
    });
    const sink = new LocalAlertSink();
    const env = standInEnvironment(engine, { alerts: sink });
    const keys = ['good/1', 'bad/1', 'good/2', 'bad/2', 'good/3', 'bad/3'];
    const results = await Promise.all(keys.map((key, i) => runBackupExecution(record(key), env, { executionName: `run-${i}` })));

    const reported = results.map((r) => ({
      name: r.executionName,
      timeline: r.timeline.executionName,
      status: r.status,
      error: r.error,
      destination: (r.output as { destination?: string } | undefined)?.destination,
      alerts: r.alerts.map((a) => /^Key: (.*)$/m.exec(a.message)?.[1]),
      alertNamesItsExecution: r.alerts.every((a) => a.message.includes(r.executionName)),
    }));
    expect(reported).toEqual(
      keys.map((key, i) => ({
        name: `run-${i}`,
        timeline: `run-${i}`,
        ...(key.startsWith('bad/')
          ? { status: 'FAILED', error: 'SourceNotReadable', destination: undefined, alerts: [key] }
          : { status: 'SUCCEEDED', error: undefined, destination: `gs://backup-bucket/src/source-bucket/${key}`, alerts: [] }),
        alertNamesItsExecution: true,
      })),
    );
    expect(sink.alerts).toHaveLength(3); // the shared sink still receives every alert
  });

  test('an environment without a sink still reports each execution its own alerts', async () => {
    const engine = new StandInEngine(failWith('SourceNotReadable'));
    const { alerts: _none, ...rest } = standInEnvironment(engine);
    const first = await runBackupExecution(record('e/1'), rest);
    const second = await runBackupExecution(record('e/2'), rest);
    expect(first.alerts).toHaveLength(1);
    expect(second.alerts).toHaveLength(1);
    expect(second.alerts[0]!.message).toContain('Key: e/2');
  });
});

function setState(def: JsonObject, name: string, changes: JsonObject): void {
  const states = def['States'] as JsonObject;
  states[name] = { ...(states[name] as JsonObject), ...changes };
}
