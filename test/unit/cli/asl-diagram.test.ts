import { aslToMermaid } from '../../../workflows/cli/asl-diagram';

describe('aslToMermaid', () => {
  const definition = {
    StartAt: 'Pick a path',
    States: {
      'Pick a path': { Type: 'Choice', Choices: [{ Next: 'Copy it' }], Default: 'Give up' },
      'Copy it': {
        Type: 'Task',
        Retry: [{ ErrorEquals: ['TransientError'] }],
        Catch: [{ ErrorEquals: ['SourceNotFound'], Next: 'Give up' }],
        Next: 'All done',
      },
      'All done': { Type: 'Succeed' },
      'Give up': { Type: 'Fail' },
    },
  };

  it('draws every state with its type-specific shape', () => {
    const chart = aslToMermaid(definition);
    expect(chart).toContain('s0{"Pick a path"}');
    expect(chart).toContain('s1["Copy it<br/><i>retries TransientError</i>"]');
    expect(chart).toContain('s2(["All done"])');
    expect(chart).toContain('s3[["Give up"]]');
  });

  it('draws Next, Choice, Default and Catch edges', () => {
    const chart = aslToMermaid(definition);
    expect(chart).toContain('s0 --> s1');
    expect(chart).toContain('s0 -->|otherwise| s3');
    expect(chart).toContain('s1 -.->|SourceNotFound| s3');
    expect(chart).toContain('s1 --> s2');
  });

  it('folds service errors into one name per service and keeps runtime errors by name', () => {
    const chart = aslToMermaid({
      StartAt: 'Copy',
      States: {
        Copy: {
          Type: 'Task',
          Retry: [{ ErrorEquals: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'] }, { ErrorEquals: ['TransientError'] }],
          Catch: [{ ErrorEquals: ['States.Timeout', 'Runtime.OutOfMemory', 'ECS.ServerException'], Next: 'Stop' }],
          End: true,
        },
        Stop: { Type: 'Fail' },
      },
    });
    expect(chart).toContain('retries Lambda errors, TransientError</i>');
    expect(chart).toContain('-.->|States.Timeout, Runtime.OutOfMemory, ECS errors|');
  });

  it('names a dangling Next instead of drawing a broken chart', () => {
    expect(() => aslToMermaid({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } })).toThrow(/"Nowhere"/);
  });
});
