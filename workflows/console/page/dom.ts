/**
 * Every element of the page is built here, from text nodes and attributes: nothing from an execution (keys, inputs,
 * errors) is ever parsed as HTML. Control characters are shown as their Unicode pictures (U+2400…) so a key holding
 * a newline or a bell is visibly different from one without.
 */
import { formatBytes as cliBytes } from '../../cli/io';
import { formatDuration as cliDuration } from '../../cli/time-window';

type Child = Node | string | number | undefined | null | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s(tag: string, attrs: Record<string, string | number | undefined> = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(visible(String(c))) : c);
  }
}

/** C0 controls and DEL as their control pictures; everything else as is. */
export function visible(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    out += code < 0x20 ? String.fromCharCode(0x2400 + code) : code === 0x7f ? '\u2421' : c;
  }
  return out;
}

/** Pretty JSON when the text is JSON, the text otherwise. */
export function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The CLI's own formats, so the page and the terminal print durations and sizes alike. */
export function formatDuration(ms: number | undefined): string {
  return ms === undefined ? '-' : cliDuration(ms);
}

export function formatBytes(n: number | undefined): string {
  return n === undefined ? '-' : cliBytes(n);
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `status status-${status.replace(/[^A-Z_]/g, '')}` }, status);
}

/** `#view?a=1&b=2` links, with every value encoded. */
export function link(view: string, params: Record<string, string>, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href: `#${view}?${new URLSearchParams(params).toString()}` }, ...children);
}
