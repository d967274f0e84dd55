/**
 * The one import of aws-local-stepfunctions. The package is ESM-typed but ships a CommonJS build (its `require`
 * export), which this CommonJS project loads after making its intrinsic functions as exact as AWS's (see below); the
 * types come from the ESM declaration.
 */
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname } from 'node:path';
import type * as LocalSfn from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };

/**
 * aws-local-stepfunctions 3.0.0 deletes every backslash from the result of a string intrinsic (States.Format,
 * States.JsonToString…), so a key `a\b` placed by States.Format reaches the alert as `ab`. AWS treats `\` as an escape
 * only inside the function's own quoted literals (`\'`, `\{`, `\}`, `\\`) and inserts values read by a path verbatim
 * (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html, "Reserved characters").
 * The fix: unescape literals where they are parsed, and keep results as they are.
 */
const INTRINSIC_STRING_FIXES: readonly (readonly [string, string])[] = [
  ['      return arg.slice(1, lastSingleQuote);', '      return arg.slice(1, lastSingleQuote).replace(/\\\\([\\s\\S])/g, "$1");'],
  ['      result = result.replaceAll("\\\\", "");', ''],
];

/** Applies INTRINSIC_STRING_FIXES; throws when the build no longer has the code they replace (re-check on upgrade). */
export function withExactIntrinsicStrings(source: string): string {
  return INTRINSIC_STRING_FIXES.reduce((text, [from, to]) => {
    const at = text.indexOf(from);
    if (at < 0 || text.indexOf(from, at + 1) >= 0) {
      throw new Error(`aws-local-stepfunctions changed: expected exactly one ${JSON.stringify(from.trim())}; re-check its intrinsic string handling`);
    }
    return text.slice(0, at) + to + text.slice(at + from.length);
  }, source);
}

/**
 * Evaluates the patched build in this realm (under jest, the test's own context), so its objects and its dependencies'
 * are the same kind as the caller's: a build compiled in another realm sees the caller's plain objects as foreign and
 * skips their Parameters. Its dependencies resolve from the package's directory, as its own require would.
 */
function loadExactLibrary(): typeof LocalSfn {
  const file = require.resolve('aws-local-stepfunctions');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- this module's own require keeps the caller's realm
  const packageRequire = (id: string): unknown => (isBuiltin(id) ? require(id) : require(require.resolve(id, { paths: [dirname(file)] })));
  const module = { exports: {} as unknown };
  const evaluate = new Function('exports', 'require', 'module', '__filename', '__dirname', withExactIntrinsicStrings(readFileSync(file, 'utf8')));
  evaluate(module.exports, packageRequire, module, file, dirname(file));
  return module.exports as typeof LocalSfn;
}

const lib = loadExactLibrary();

export const StateMachine = lib.StateMachine;
export type StateMachine = LocalSfn.StateMachine;
export type StateMachineDefinition = LocalSfn.StateMachineDefinition;
export type RunOptions = LocalSfn.RunOptions;
/** One entry of run(...).eventLogs (the library does not export the type by name). */
export type EventLog = ReturnType<LocalSfn.StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
export type TaskHandler = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>[string];
