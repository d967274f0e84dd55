/**
 * The ASL file as data, and the local runner's refusals: valid with placeholders and after substitution, every
 * substitution documented and resolved, every Task bound (or the run refused), and the routing mirror in code.
 */
import aslValidator from 'asl-validator';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKUP_ASL_PATH, loadDefinition, resolveSubstitutions, substitutionNames, taskStates, type JsonObject } from '../../../workflows/local/asl-definition';
import { bindTaskStates } from '../../../workflows/local/bindings';
import { resolveLocalEnvironment } from '../../../workflows/local/deployment';
import { prepareLocalStateMachine, runBackupExecution } from '../../../workflows/local/runner';
import { StandInEngine, standInEnvironment } from './stand-in-engine';

const definition = loadDefinition();
const local = resolveLocalEnvironment(standInEnvironment(new StandInEngine()));

function clone(value: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

describe('asl/backup-object.asl.json', () => {
  test('passes asl-validator with its ${placeholders} in place', () => {
    const { isValid, errorsText } = aslValidator(definition);
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  test('passes asl-validator after local substitution', () => {
    const { isValid, errorsText } = aslValidator(resolveSubstitutions(definition, local.substitutions));
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  test('uses JSONPath only (no JSONata, no Assign, which the local interpreter would ignore)', () => {
    const text = readFileSync(BACKUP_ASL_PATH, 'utf8');
    expect(definition['QueryLanguage']).toBe('JSONPath');
    expect(text).not.toMatch(/"(Assign|Arguments|Output)"\s*:/);
    expect(text).not.toContain('JSONata');
  });

  test('hard-codes no account ID or region', () => {
    const text = readFileSync(BACKUP_ASL_PATH, 'utf8');
    expect(text).not.toMatch(/\d{12}/);
    expect(text).not.toMatch(/\b(us|eu|ap|sa|ca|me|af|il|mx)-(east|west|north|south|central|northeast|southeast)-\d\b/);
  });

  test('every substitution is documented in asl/README.md and resolved by the local environment', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'asl', 'README.md'), 'utf8');
    const names = substitutionNames(definition);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      expect(readme).toContain(`| \`${name}\` |`);
      expect(local.substitutions[name]).toEqual(expect.any(String));
    }
  });

  test('every Task state has a local binding', () => {
    const { handlers } = prepareLocalStateMachine(standInEnvironment(new StandInEngine()));
    expect(Object.keys(handlers).sort()).toEqual(taskStates(definition).map((t) => t.name).sort());
    expect(Object.keys(handlers)).toHaveLength(7);
  });
});

describe('the local runner refuses', () => {
  test('an unresolved substitution, naming it', () => {
    const { SmallMaxBytes: _omitted, ...rest } = local.substitutions;
    expect(() => resolveSubstitutions(definition, rest)).toThrow(/unresolved substitution\(s\) \$\{SmallMaxBytes\}/);
  });

  test("a value that would break an intrinsic-function literal (' { } \\)", () => {
    expect(() => resolveSubstitutions(definition, { ...local.substitutions, SmallMaxBytes: "1'); States.Array('x" })).toThrow(
      /SmallMaxBytes contain/,
    );
  });

  test('a Task whose resource has no local implementation (the library would call real AWS)', () => {
    const def = clone(resolveSubstitutions(definition, local.substitutions));
    (def['States'] as JsonObject)['Describe the object'] = {
      ...((def['States'] as JsonObject)['Describe the object'] as JsonObject),
      Resource: 'arn:aws:lambda:local:000000000000:function:legacy-describe',
    };
    expect(() => bindTaskStates(def, local.deployment)).toThrow(/Task "Describe the object" uses resource arn:aws:lambda:local:000000000000:function:legacy-describe/);
  });

  test('a Task nested in a Parallel branch or a Map is found and checked too', () => {
    const def = clone(resolveSubstitutions(definition, local.substitutions));
    const states = def['States'] as JsonObject;
    states['Fan out'] = {
      Type: 'Parallel',
      End: true,
      Branches: [{ StartAt: 'Inner', States: { Inner: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', End: true } } }],
    };
    states['Each'] = {
      Type: 'Map',
      End: true,
      ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } } },
    };
    expect(taskStates(def).map((t) => t.name)).toEqual(expect.arrayContaining(['Inner', 'Item']));
    expect(() => bindTaskStates(def, local.deployment)).toThrow(/"Inner" uses resource arn:aws:states:::dynamodb:putItem.*"Item" uses resource/);
  });

  test('a Lambda Task naming a function the local deployment does not host', () => {
    const def = clone(resolveSubstitutions(definition, local.substitutions));
    const state = (def['States'] as JsonObject)['Copy the object with the large Lambda'] as JsonObject;
    (state['Parameters'] as JsonObject)['FunctionName'] = 'arn:aws:lambda:local:000000000000:function:typo';
    expect(() => bindTaskStates(def, local.deployment)).toThrow(/invokes arn:aws:lambda:local:000000000000:function:typo/);
  });

  test('to start an execution when the definition file has an unbound Task', async () => {
    const def = clone(definition);
    (def['States'] as JsonObject)['Describe the object'] = {
      ...((def['States'] as JsonObject)['Describe the object'] as JsonObject),
      Resource: 'arn:aws:states:::aws-sdk:sns:publish',
    };
    const dir = mkdtempSync(join(tmpdir(), 'asl-'));
    try {
      const path = join(dir, 'unbound.asl.json');
      writeFileSync(path, JSON.stringify(def));
      const engine = new StandInEngine();
      await expect(runBackupExecution({ bucket: 'b', key: 'k' }, standInEnvironment(engine), { definitionPath: path })).rejects.toThrow(
        /Refusing to run: Task "Describe the object" uses resource arn:aws:states:::aws-sdk:sns:publish/,
      );
      expect(engine.calls).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
