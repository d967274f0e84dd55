import { StateMachine, withExactIntrinsicStrings } from '../../../workflows/local/local-sfn';

describe('the local interpreter keeps intrinsic strings exact, as AWS does', () => {
  test('expect a value read by a path to be placed verbatim, backslashes and quotes included', async () => {
    const machine = new StateMachine({
      StartAt: 'Format',
      States: {
        Format: {
          Type: 'Pass',
          Parameters: { 'line.$': "States.Format('Key: {}', $.key)", 'json.$': 'States.JsonToString($)' },
          End: true,
        },
      },
    });
    const key = `a'b\\c"d\\\\e`;
    const output = (await machine.run({ key }).result) as { line: string; json: string };
    expect(output.line).toBe(`Key: ${key}`);
    expect(JSON.parse(output.json)).toEqual({ key });
  });

  test("expect a literal's escapes to be undone once: \\' is ' and \\\\ is \\", async () => {
    const machine = new StateMachine({
      StartAt: 'Format',
      States: { Format: { Type: 'Pass', Parameters: { 'text.$': "States.Format('it\\'s {}', $.v)" }, End: true } },
    });
    expect(await machine.run({ v: 'x' }).result).toEqual({ text: "it's x" });
  });

  test('expect an upgraded library without the patched code to be refused, not silently run', () => {
    expect(() => withExactIntrinsicStrings('module.exports = {}')).toThrow(/aws-local-stepfunctions changed/);
  });
});
