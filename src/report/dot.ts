// A Graphviz DOT writer for retainer graphs. Writing DOT is kept apart from running Graphviz
// (objgraph's split): the DOT text is useful on its own, and rendering can fail or be unavailable.
//
// Every string that may come from the heap is written as a quoted DOT string, never as a record or
// HTML label, so `<`, `>`, `{`, `}` and `|` carry no meaning. Inside the quotes the writer escapes
// what Graphviz would still interpret: `"` and `\` (DOT quoting and label escapes such as `\N`,
// `\l`), `&` (Graphviz decodes HTML entities in labels), and control characters, which become
// visible escapes through sanitizeForTerminal. The only line breaks are the `\n` the writer puts
// between the lines of a multi-line label.
//
// Output is deterministic: nodes and edges appear in the order given, and id collisions are
// resolved in that order.

import { formatCount } from './format.ts';
import { sanitizeForTerminal } from './sanitize.ts';

export type EdgeStyle = 'solid' | 'dashed' | 'dotted' | 'bold';

export interface DotNode {
  id: string;
  /** One string, or several lines that the writer separates with line breaks. */
  label: string | string[];
  /** Drawn filled, for the objects a report is about (the suspected leak). */
  highlight?: boolean;
  shape?: string;
  style?: string;
  tooltip?: string;
}

export interface DotEdge {
  from: string;
  to: string;
  label?: string;
  style?: EdgeStyle;
  color?: string;
  /** A weak reference: drawn dashed unless `style` says otherwise. */
  weak?: boolean;
}

export interface DotGraph {
  name?: string;
  rankdir?: 'TB' | 'LR' | 'BT' | 'RL';
  nodes: DotNode[];
  edges: DotEdge[];
}

/** Cut for one label line: long enough for a class name and a property path, short enough to keep boxes narrow. */
export const DOT_LABEL_MAX = 60;
/** Tooltips show on hover only, so they may carry more of the string. */
export const DOT_TOOLTIP_MAX = 300;

const HIGHLIGHT_FILL = '#ffd6d6';
const HIGHLIGHT_BORDER = '#c0392b';

/** Escapes text for the inside of a DOT double-quoted string, after making it printable and short. */
// The ellipsis becomes "..." and the times sign "x": Graphviz's built-in font metrics know only
// ASCII and print a width warning on stderr for every other character.
const ASCII_FOR = new Map([['…', '...'], ['×', 'x']]);
function escapeDotText(text: string, maxLen: number): string {
  return sanitizeForTerminal(text, maxLen).replace(/[\\"&…×]/g, (c) => (c === '&' ? '&amp;' : ASCII_FOR.get(c) ?? `\\${c}`));
}

function quote(escaped: string): string {
  return `"${escaped}"`;
}

function renderLabel(label: string | string[]): string {
  const lines = Array.isArray(label) ? label : [label];
  // `\n` here is the DOT escape for a centred line break: the one place a break is intended.
  return quote(lines.map((line) => escapeDotText(line, DOT_LABEL_MAX)).join('\\n'));
}

/** Writer-chosen attribute values (shapes, colours) are quoted and escaped too: cheap, and never wrong. */
function renderPlain(value: string): string {
  return quote(escapeDotText(value, DOT_LABEL_MAX));
}

function renderAttributes(attributes: Array<[string, string | undefined]>): string {
  const present = attributes.filter((entry): entry is [string, string] => entry[1] !== undefined);
  return present.length === 0 ? '' : ` [${present.map(([key, value]) => `${key}=${value}`).join(', ')}]`;
}

/**
 * Maps caller ids to DOT ids made of `[A-Za-z0-9_]`, always quoted so keywords (`node`, `edge`) and
 * leading digits are harmless. Ids that sanitise alike get `_2`, `_3`… in order of first use.
 */
function createIdMapper(): (id: string) => string {
  const byId = new Map<string, string>();
  const taken = new Set<string>();
  return (id) => {
    const known = byId.get(id);
    if (known !== undefined) return known;
    const base = id.replace(/[^A-Za-z0-9_]/g, '_') || '_';
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}_${n}`;
    byId.set(id, candidate);
    taken.add(candidate);
    return candidate;
  };
}

function joinStyles(...styles: Array<string | undefined>): string | undefined {
  const parts = styles.filter((s): s is string => s !== undefined && s !== '');
  return parts.length === 0 ? undefined : parts.join(',');
}

/** Builds the dashed "… N more" node that stands for the children a capped fan-out leaves out. */
export function createMoreNode(id: string, hiddenCount: number, noun = 'more'): DotNode {
  return { id, label: `… ${formatCount(hiddenCount)} ${noun}`, style: 'dashed', shape: 'box' };
}

/** Writes `graph` as DOT source text, ending with a newline. */
export function renderDot(graph: DotGraph): string {
  const toDotId = createIdMapper();
  const out: string[] = [];
  out.push(`digraph ${renderPlain(graph.name ?? 'leakscope')} {`);
  out.push(`  graph${renderAttributes([['rankdir', graph.rankdir && renderPlain(graph.rankdir)], ['fontname', '"Helvetica"']])};`);
  out.push('  node [shape="box", fontname="Helvetica", fontsize="10"];');
  out.push('  edge [fontname="Helvetica", fontsize="9"];');
  for (const node of graph.nodes) {
    const style = joinStyles(node.style, node.highlight ? 'filled' : undefined);
    const attributes = renderAttributes([
      ['label', renderLabel(node.label)],
      ['shape', node.shape === undefined ? undefined : renderPlain(node.shape)],
      ['style', style === undefined ? undefined : renderPlain(style)],
      ['fillcolor', node.highlight ? quote(HIGHLIGHT_FILL) : undefined],
      ['color', node.highlight ? quote(HIGHLIGHT_BORDER) : undefined],
      ['tooltip', node.tooltip === undefined ? undefined : quote(escapeDotText(node.tooltip, DOT_TOOLTIP_MAX))],
    ]);
    out.push(`  ${quote(toDotId(node.id))}${attributes};`);
  }
  for (const edge of graph.edges) {
    const style = edge.style ?? (edge.weak ? 'dashed' : undefined);
    const attributes = renderAttributes([
      ['label', edge.label === undefined ? undefined : renderLabel(edge.label)],
      ['style', style === undefined ? undefined : renderPlain(style)],
      ['color', edge.color === undefined ? undefined : renderPlain(edge.color)],
    ]);
    out.push(`  ${quote(toDotId(edge.from))} -> ${quote(toDotId(edge.to))}${attributes};`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
