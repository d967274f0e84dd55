import * as fs from 'node:fs';
import * as path from 'node:path';

/** `${Name}` placeholders, the same syntax Step Functions' DefinitionSubstitutions replace at deploy time. */
const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** The substitution names an ASL text uses, sorted and without duplicates. */
export function aslSubstitutionNames(asl: string): string[] {
  return [...new Set([...asl.matchAll(PLACEHOLDER)].map((m) => m[1] as string))].sort();
}

/**
 * Reads an ASL file and checks that `substitutions` covers exactly the placeholders it uses. A placeholder left
 * unprovided would reach Step Functions as a literal `${Name}` (an invalid ARN at run time, or worse, a valid-looking
 * setting); an unused value usually means a renamed placeholder. Both fail synth here, naming the file and the names.
 * Returns the file's text, to be deployed inline (assertable in the template) with the substitutions alongside it.
 */
export function loadAslDefinition(file: string, substitutions: Readonly<Record<string, string>>): string {
  if (!fs.existsSync(file)) {
    throw new Error(`State machine definition ${file} does not exist; the stack deploys the ASL file from asl/.`);
  }
  const asl = fs.readFileSync(file, 'utf8');
  const used = aslSubstitutionNames(asl);
  const provided = Object.keys(substitutions);
  const missing = used.filter((name) => !(name in substitutions));
  const unused = provided.filter((name) => !used.includes(name)).sort();
  const shown = path.relative(process.cwd(), file) || file;
  const problems: string[] = [];
  if (missing.length > 0) {
    problems.push(
      `uses ${missing.map((n) => `\${${n}}`).join(', ')}, which the stack does not provide ` +
        '(add each to the substitutions in infra/stacks/backup-stack.ts, or fix the name in the ASL)',
    );
  }
  if (unused.length > 0) {
    problems.push(
      `does not use ${unused.map((n) => `\${${n}}`).join(', ')}, which the stack provides ` +
        '(a renamed or removed placeholder: update the substitutions in infra/stacks/backup-stack.ts)',
    );
  }
  if (problems.length > 0) throw new Error(`State machine definition ${shown} ${problems.join('; and it ')}.`);
  return asl;
}
