import aslValidator from 'asl-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const path = join(__dirname, '..', '..', '..', 'asl', 'backfill.asl.json');
const text = readFileSync(path, 'utf8');
const definition = JSON.parse(text) as { QueryLanguage: string; States: Record<string, Record<string, unknown>> };
const map = definition.States['Back up each listed object']!;
type State = { Resource?: string; Parameters?: Record<string, unknown>; ResultSelector?: Record<string, unknown>; Catch?: { ErrorEquals: string[] }[] };
const processor = map['ItemProcessor'] as { ProcessorConfig: Record<string, unknown>; States: Record<string, State> };
const start = processor.States['Back up the object']!;

describe('asl/backfill.asl.json', () => {
  it('passes asl-validator with its ${placeholders} in place', () => {
    const { isValid, errorsText } = aslValidator(definition);
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('substitutes only the backup state machine and the report bucket', () => {
    expect([...new Set(text.match(/\$\{[A-Za-z]+\}/g))].sort()).toEqual(['${BackfillReportBucket}', '${BackupStateMachineArn}']);
  });

  it('lists with a Distributed Map and starts each backup with the minimal manual input', () => {
    expect(map['ItemReader']).toMatchObject({ Resource: 'arn:aws:states:::s3:listObjectsV2' });
    expect(map['ItemProcessor']).toMatchObject({ ProcessorConfig: { Mode: 'DISTRIBUTED' } });
    expect(start.Parameters?.['Input']).toEqual({ 'bucket.$': '$.bucket', 'key.$': '$.key' });
  });

  it('names executions within the 80-character limit, from bucket, key and ETag', () => {
    const nameExpression = String(start.Parameters?.['Name.$']);
    expect(nameExpression).toContain("States.Hash(States.Format('{}/{}/{}', $.bucket, $.key, $.etag), 'SHA-256')");
    expect('backfill-'.length + 64).toBeLessThanOrEqual(80); // SHA-256 in hex
  });

  it('treats an execution that already exists as done (a re-run dedupes)', () => {
    expect(start.Catch?.[0]?.ErrorEquals).toEqual(['StepFunctions.ExecutionAlreadyExistsException']);
  });

  it('runs Standard children that wait for their backup (.sync:2), so MaxConcurrency bounds copies in flight, not starts', () => {
    expect(processor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(start.Resource).toBe('arn:aws:states:::states:startExecution.sync:2');
  });

  it('lets a backup that did not succeed fail its item (counted against the tolerated failures), keeping only arn and status', () => {
    const caught = (start.Catch ?? []).flatMap((c) => c.ErrorEquals);
    expect(caught).not.toContain('States.TaskFailed');
    expect(caught).not.toContain('States.ALL');
    expect(map['ToleratedFailurePercentage']).toBe(1);
    expect(start.ResultSelector).toEqual({ 'executionArn.$': '$.ExecutionArn', 'status.$': '$.Status' });
  });
});
