/**
 * The one import of aws-local-stepfunctions. The package is ESM-typed but ships a CommonJS build (its `require`
 * export), which this CommonJS project loads with require(); the types come from the ESM declaration.
 */
import type * as LocalSfn from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require('aws-local-stepfunctions') as typeof LocalSfn;

export const StateMachine = lib.StateMachine;
export type StateMachine = LocalSfn.StateMachine;
export type StateMachineDefinition = LocalSfn.StateMachineDefinition;
export type RunOptions = LocalSfn.RunOptions;
/** One entry of run(...).eventLogs (the library does not export the type by name). */
export type EventLog = ReturnType<LocalSfn.StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
export type TaskHandler = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>[string];
