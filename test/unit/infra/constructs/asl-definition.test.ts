import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aslSubstitutionNames, loadAslDefinition } from '../../../../infra/constructs/asl-definition';
import { BACKUP_OBJECT_ASL } from '../../../../infra/paths';
import { buildTestApp } from '../support';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asl-'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('ASL substitutions', () => {
  it('expect the placeholder names of a definition, once each', () => {
    expect(aslSubstitutionNames('{"A":"${TopicArn}","B":"${Region}-${Region}","C":"$.not.one","D":"States.Format(\'{}\')"}')).toEqual([
      'Region',
      'TopicArn',
    ]);
  });

  it('expect synth to fail, naming the placeholder, when the ASL uses one the stack does not provide', () => {
    const asl = JSON.parse(fs.readFileSync(BACKUP_OBJECT_ASL, 'utf8'));
    asl.States['Read the deployment settings'].Parameters.settings.archiveBucket = '${ArchiveBucketName}';
    const definitionFile = write('extra.asl.json', JSON.stringify(asl));
    expect(() => buildTestApp({ only: ['staging'], definitionFile })).toThrow(
      /extra\.asl\.json uses \$\{ArchiveBucketName\}, which the stack does not provide/,
    );
  });

  it('expect a provided value the ASL no longer uses to be reported as a renamed placeholder', () => {
    const file = write('fewer.asl.json', '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"${Region}","End":true}}}');
    expect(() => loadAslDefinition(file, { Region: 'eu-west-1', AlertTopicArn: 'arn' })).toThrow(
      /does not use \$\{AlertTopicArn\}, which the stack provides/,
    );
  });

  it('expect the file text unchanged when the substitutions match exactly', () => {
    const text = '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"${Region}","End":true}}}';
    expect(loadAslDefinition(write('exact.asl.json', text), { Region: 'eu-west-1' })).toBe(text);
  });

  it('expect a missing definition file to be named', () => {
    expect(() => loadAslDefinition(path.join(dir, 'nope.asl.json'), {})).toThrow(/nope\.asl\.json does not exist/);
  });
});
