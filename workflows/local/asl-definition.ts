/**
 * Loads asl/backup-object.asl.json — the very file CDK deploys — and resolves its `${Name}` substitutions for a local
 * run. Refuses anything the local interpreter would run wrongly: an unresolved substitution, a value that would break the
 * intrinsic-function strings it is placed in, or a Task state we cannot find (so the caller can bind every one of them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../backup/errors';

/** The deployed state machine definition. */
export const BACKUP_ASL_PATH = join(__dirname, '..', '..', 'asl', 'backup-object.asl.json');
/** The Express fast path, which hands everything it does not finish to BACKUP_ASL_PATH. */
export const FAST_PATH_ASL_PATH = join(__dirname, '..', '..', 'asl', 'fast-path.asl.json');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface TaskStateInfo {
  /** State name, unique within the definition (Step Functions requires it across nested machines too). */
  name: string;
  resource: string;
  parameters: Json | undefined;
  /** The state's own JSON, for the fields a binding enforces itself (HeartbeatSeconds, TimeoutSeconds). */
  state: JsonObject;
}

const PLACEHOLDER = /\$\{([A-Za-z][A-Za-z0-9_]*)\}/g;
/** Substituted values land inside intrinsic-function string literals ('…'), where these characters need escaping. */
const UNSAFE_IN_INTRINSIC = /['{}\\]/;

export function loadDefinition(path: string = BACKUP_ASL_PATH): JsonObject {
  const text = readFileSync(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigurationError(`${path} is not valid JSON (it must be, even before substitution): ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!isObject(parsed)) throw new ConfigurationError(`${path} must hold a JSON object (an ASL definition)`);
  return parsed;
}

/** Every `${Name}` the definition uses, sorted. */
export function substitutionNames(definition: Json): string[] {
  const names = new Set<string>();
  walkStrings(definition, (s) => {
    for (const m of s.matchAll(PLACEHOLDER)) names.add(m[1] as string);
    return s;
  });
  return [...names].sort();
}

/**
 * Replaces `${Name}` inside string values (and keys) of the parsed definition, like CloudFormation's
 * DefinitionSubstitutions do on the text. Throws ConfigurationError naming every unresolved or unsafe substitution.
 */
export function resolveSubstitutions(definition: JsonObject, values: Record<string, string>): JsonObject {
  const used = substitutionNames(definition);
  const missing = used.filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    throw new ConfigurationError(`Refusing to run: unresolved substitution(s) ${missing.map((n) => `\${${n}}`).join(', ')}`);
  }
  const unsafe = used.filter((name) => UNSAFE_IN_INTRINSIC.test(values[name] as string));
  if (unsafe.length > 0) {
    throw new ConfigurationError(
      `Refusing to run: substitution value(s) for ${unsafe.join(', ')} contain ' { } or \\, which would break the intrinsic functions they are placed in`,
    );
  }
  return walkStrings(definition, (s) => s.replace(PLACEHOLDER, (_, name: string) => values[name] as string)) as JsonObject;
}

/** Every Task state, including those inside Map (ItemProcessor/Iterator) and Parallel (Branches). */
export function taskStates(definition: JsonObject): TaskStateInfo[] {
  const found: TaskStateInfo[] = [];
  const visit = (machine: Json, where: string): void => {
    if (!isObject(machine) || !isObject(machine['States'])) {
      throw new ConfigurationError(`${where} has no States object`);
    }
    for (const [name, state] of Object.entries(machine['States'])) {
      if (!isObject(state)) throw new ConfigurationError(`State ${JSON.stringify(name)} in ${where} is not an object`);
      if (state['Type'] === 'Task') {
        if (typeof state['Resource'] !== 'string') throw new ConfigurationError(`Task ${JSON.stringify(name)} has no Resource`);
        found.push({ name, resource: state['Resource'], parameters: state['Parameters'], state });
      }
      if (state['Type'] === 'Map') {
        const inner = state['ItemProcessor'] ?? state['Iterator'];
        if (inner !== undefined) visit(inner, `Map ${JSON.stringify(name)}`);
      }
      if (state['Type'] === 'Parallel' && Array.isArray(state['Branches'])) {
        state['Branches'].forEach((branch, i) => visit(branch, `Parallel ${JSON.stringify(name)} branch ${i}`));
      }
    }
  };
  visit(definition, 'the definition');
  return found;
}

function walkStrings(value: Json, fn: (s: string) => string): Json {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => walkStrings(v, fn));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [fn(k), walkStrings(v, fn)]));
  }
  return value;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
