/**
 * The States.Format calls of an ASL file, read the way Step Functions reads them: the first argument's literal text
 * (with its `\'`, `\{`, `\}`, `\\` escapes undone) or the path it names instead.
 */
import * as fs from 'node:fs';

export interface FormatCall {
  /** Where the call is: the state and the field. */
  at: string;
  /** The first argument exactly as written. */
  firstArgument: string;
  /** The template, when the first argument is a quoted literal. */
  template?: string;
}

const CALL = 'States.Format(';

export function formatCalls(aslFile: string): FormatCall[] {
  const calls: FormatCall[] = [];
  const visit = (value: unknown, at: string): void => {
    if (typeof value === 'string') {
      for (let from = value.indexOf(CALL); from >= 0; from = value.indexOf(CALL, from + 1)) calls.push(readCall(value, from + CALL.length, at));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, `${at}/${k}`);
    }
  };
  visit(JSON.parse(fs.readFileSync(aslFile, 'utf8')), '');
  return calls;
}

function readCall(text: string, start: number, at: string): FormatCall {
  if (text[start] !== "'") return { at, firstArgument: text.slice(start, text.slice(start).search(/[,)]/) + start) };
  let template = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') template += text[++i] ?? '';
    else if (c === "'") return { at, firstArgument: text.slice(start, i + 1), template };
    else template += c;
  }
  throw new Error(`${at}: unterminated literal in ${text}`);
}

/** The template of the one States.Format call at the state named `state`. */
export function formatTemplate(aslFile: string, state: string): string {
  const found = formatCalls(aslFile).filter((c) => c.at.startsWith(`/States/${state}/`));
  if (found.length !== 1 || found[0]!.template === undefined) throw new Error(`expected one literal States.Format in "${state}", found ${found.length}`);
  return found[0]!.template;
}
