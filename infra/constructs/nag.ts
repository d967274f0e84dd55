import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag names a resource in a finding id such as `AwsSolutions-IAM5[Resource::<Bucket1234.Arn>/*]`: the resolved
 * CloudFormation value with Ref rendered as `<Id>` and Fn::GetAtt as `<Id.Attr>`. Acknowledging the exact finding, not
 * the whole rule, keeps any NEW wildcard on the same policy a synth error.
 */
export function nagResourceName(scope: IConstruct, value: string): string {
  return render(Stack.of(scope).resolve(value));
}

function render(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o['Ref'] === 'string') return `<${o['Ref']}>`;
    const getAtt = o['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const join = o['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as unknown[]).map(render).join(join[0] as string);
  }
  return JSON.stringify(v);
}
