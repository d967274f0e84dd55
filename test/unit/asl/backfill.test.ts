import aslValidator from 'asl-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const path = join(__dirname, '..', '..', '..', 'asl', 'backfill.asl.json');
const text = readFileSync(path, 'utf8');
const definition = JSON.parse(text) as { QueryLanguage: string; States: Record<string, Record<string, unknown>> };
const map = definition.States['Start one backup per listed object']!;
const processor = map['ItemProcessor'] as { States: Record<string, { Parameters?: Record<string, unknown>; Catch?: { ErrorEquals: string[] }[] }> };
const start = processor.States['Start the backup of the object']!;

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
});
