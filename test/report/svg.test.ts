import { afterAll, describe, expect, it } from 'vitest';
import { LeakscopeError } from '../../src/errors.ts';
import { createMoreNode, renderDot, type DotGraph } from '../../src/report/dot.ts';
import { renderSvg, stopSvgRenderer } from '../../src/report/svg.ts';

afterAll(() => stopSvgRenderer());

const NASTY = [
  'plain',
  '',
  'say "hi"',
  'back\\slash',
  'ends with backslash\\',
  '\\"',
  '\\\\"',
  'line\nbreak\r\n',
  '\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\',
  '<script>alert(1)</script>',
  '&amp; &lt;b&gt; &#60;i&#62;',
  '{record|fields} <port>',
  '\\N \\G \\l \\r \\n',
  'ünïcödé 日本語 👩‍👩‍👧 \u202etxt.exe',
  'lone \ud800 surrogate \udfff',
  '\x00\x07\x7f\x9b',
  'x'.repeat(10_000),
];

/** The visible text of every <text> element, with XML entities decoded. */
function readTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!
      .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
      .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;|&apos;/g, "'")
      .replace(/&amp;/g, '&'),
  );
}

describe('renderSvg', () => {
  it.each(NASTY.map((s, i) => [i, s] as const))('renders nasty string #%i in labels, edge labels and tooltips', async (_, text) => {
    const graph: DotGraph = {
      name: text,
      nodes: [
        { id: text, label: text, tooltip: text, highlight: true },
        { id: 'lines', label: [text, text] },
        createMoreNode('more', 7),
      ],
      edges: [
        { from: text, to: 'lines', label: text },
        { from: 'lines', to: 'more', label: text, weak: true },
      ],
    };
    const svg = await renderSvg(renderDot(graph));
    expect(svg).toContain('<svg');
    expect(svg).toContain('</svg>');
    expect(svg).not.toMatch(/<script/i);
    expect(svg).not.toContain('\x1b');
  });

  it('shows heap text exactly as the DOT writer meant it', async () => {
    const label = '<script>alert("x")</script> & &amp; \\N a\\b';
    const svg = await renderSvg(renderDot({ nodes: [{ id: 'a', label: [label, 'second'] }], edges: [] }));
    expect(svg).toContain('&lt;script&gt;');
    expect(readTexts(svg)).toEqual([label, 'second']);
  });

  it('shows control characters as visible escapes', async () => {
    const svg = await renderSvg(renderDot({ nodes: [{ id: 'a', label: 'a\nb\x1b[0m' }], edges: [] }));
    expect(readTexts(svg)).toEqual(['a\\nb\\x1b[0m']);
  });

  it('throws a one-line LeakscopeError for invalid DOT, and recovers afterwards', async () => {
    const failure = await renderSvg('digraph { a -> }').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LeakscopeError);
    expect((failure as LeakscopeError).message).toMatch(/^could not render the graph as SVG: syntax error/);
    expect((failure as LeakscopeError).message).not.toContain('\n');
    await expect(renderSvg('digraph { ok }')).resolves.toContain('<svg');
  });

  it('gives up after timeoutMs and starts a fresh worker for the next render', async () => {
    const nodes = Array.from({ length: 2000 }, (_, i) => ({ id: `n${i}`, label: `node ${i}` }));
    const edges = nodes.slice(1).map((node, i) => ({ from: `n${i}`, to: node.id }));
    await expect(renderSvg(renderDot({ nodes, edges }), { timeoutMs: 1 })).rejects.toThrow(/did not finish within 1 ms/);
    await expect(renderSvg('digraph { ok }')).resolves.toContain('<svg');
  });
});
