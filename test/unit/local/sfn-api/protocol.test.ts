import { decodeToken, encodeToken, epochSeconds, errorBody, operationOf, parseBody, SfnApiError } from '../../../../workflows/local/sfn-api/protocol';
import { executionNameProblem } from '../../../../workflows/local/sfn-api/names';

describe('AWS JSON 1.0 protocol handling', () => {
  it('reads the operation from X-Amz-Target', () => {
    expect(operationOf('AWSStepFunctions.StartExecution')).toBe('StartExecution');
    expect(() => operationOf('AmazonSQS.SendMessage')).toThrow(expect.objectContaining({ type: 'UnknownOperationException' }));
    expect(() => operationOf(undefined)).toThrow(SfnApiError);
  });

  it('parses JSON object bodies and refuses anything else as a SerializationException', () => {
    expect(parseBody('')).toEqual({});
    expect(parseBody('{"name":"x"}')).toEqual({ name: 'x' });
    expect(() => parseBody('[1]')).toThrow(expect.objectContaining({ type: 'SerializationException' }));
    expect(() => parseBody('{')).toThrow(expect.objectContaining({ type: 'SerializationException' }));
  });

  it('writes errors as {__type, message} and timestamps as epoch seconds', () => {
    expect(JSON.parse(errorBody(new SfnApiError('ExecutionDoesNotExist', 'gone')))).toEqual({ __type: 'ExecutionDoesNotExist', message: 'gone' });
    expect(epochSeconds('2026-01-02T03:04:05.678Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678) / 1000);
  });

  it('round-trips pagination tokens and refuses forged ones', () => {
    expect(decodeToken(encodeToken(42))).toBe(42);
    expect(decodeToken(undefined)).toBe(0);
    expect(() => decodeToken(Buffer.from('{"offset":-1}').toString('base64url'))).toThrow(expect.objectContaining({ type: 'InvalidToken' }));
  });

  it.each([
    ['copy-report-Q3-pdf-abc', undefined],
    ['', 'must be 1-80 characters long, got 0'],
    ['tab\there', 'must not contain whitespace or any of "#%\\^|~`$&,;:/<>{}[]?*'],
    ['a:b', 'must not contain whitespace or any of "#%\\^|~`$&,;:/<>{}[]?*'],
    ['bell\u0007', 'must not contain control characters'],
    ['del\u007f', 'must not contain control characters'],
    ['ünïcode-ok', undefined],
  ])('execution name %j → %s', (name, problem) => {
    expect(executionNameProblem(name)).toBe(problem);
  });
});
