/**
 * Renders an ASL definition as a Mermaid flowchart, so the README's picture of the workflow is generated from
 * asl/backup-object.asl.json itself and a test can tell when the picture is out of date.
 */
interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: Array<{ Next: string }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
  ItemProcessor?: AslDefinition;
  Iterator?: AslDefinition;
}

export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
}

export function aslToMermaid(definition: AslDefinition): string {
  const ids = new Map(Object.keys(definition.States).map((name, i) => [name, `s${i}`]));
  const id = (name: string): string => {
    const found = ids.get(name);
    if (!found) throw new Error(`ASL refers to a state that does not exist: ${JSON.stringify(name)}`);
    return found;
  };
  const lines = ['flowchart TD', `  start(( )) --> ${id(definition.StartAt)}`];
  for (const [name, state] of Object.entries(definition.States)) {
    lines.push(`  ${id(name)}${shape(state.Type, label(name, state))}`);
  }
  for (const [name, state] of Object.entries(definition.States)) {
    const from = id(name);
    if (state.Next) lines.push(`  ${from} --> ${id(state.Next)}`);
    for (const choice of state.Choices ?? []) lines.push(`  ${from} --> ${id(choice.Next)}`);
    if (state.Default) lines.push(`  ${from} -->|otherwise| ${id(state.Default)}`);
    for (const c of state.Catch ?? []) lines.push(`  ${from} -.->|${escape(errorLabel(c.ErrorEquals))}| ${id(c.Next)}`);
    if (state.End || state.Type === 'Succeed') lines.push(`  ${from} --> done(( ))`);
  }
  return lines.join('\n');
}

function label(name: string, state: AslState): string {
  const retried = summarizeErrors((state.Retry ?? []).flatMap((r) => r.ErrorEquals));
  return retried.length > 0 ? `${name}<br/><i>retries ${retried.join(', ')}</i>` : name;
}

function errorLabel(errors: string[]): string {
  const names = summarizeErrors(errors);
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} +${names.length - 3}` : names.join(', ');
}

/** A picture, not the contract: service errors (`Lambda.*`, `ECS.*`) fold into one name per service. */
function summarizeErrors(errors: string[]): string[] {
  const folded = errors.map((e) => {
    const service = /^([A-Z][A-Za-z0-9]*)\.(?!Timeout$|ALL$)/.exec(e)?.[1];
    return service && service !== 'States' && service !== 'Runtime' && service !== 'Sandbox' ? `${service} errors` : e;
  });
  return [...new Set(folded)];
}

function shape(type: string, text: string): string {
  const t = escape(text);
  switch (type) {
    case 'Choice':
      return `{"${t}"}`;
    case 'Succeed':
      return `(["${t}"])`;
    case 'Fail':
      return `[["${t}"]]`;
    case 'Pass':
      return `>"${t}"]`;
    default:
      return `["${t}"]`;
  }
}

function escape(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/\|/g, '#124;');
}
