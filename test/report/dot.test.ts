import { describe, expect, it } from 'vitest';
import { createMoreNode, renderDot, type DotGraph } from '../../src/report/dot.ts';

describe('renderDot', () => {
  it('writes a small graph exactly', () => {
    const graph: DotGraph = {
      name: 'retainers',
      rankdir: 'LR',
      nodes: [
        { id: 'root', label: '(GC roots)' },
        { id: '@42', label: ['Connection', '1.2 kB'], highlight: true, tooltip: 'id @42' },
        createMoreNode('more-1', 1234),
      ],
      edges: [
        { from: 'root', to: '@42', label: 'cache' },
        { from: '@42', to: 'more-1', weak: true },
      ],
    };
    expect(renderDot(graph)).toBe(
      [
        'digraph "retainers" {',
        '  graph [rankdir="LR", fontname="Helvetica"];',
        '  node [shape="box", fontname="Helvetica", fontsize="10"];',
        '  edge [fontname="Helvetica", fontsize="9"];',
        '  "root" [label="(GC roots)"];',
        '  "_42" [label="Connection\\n1.2 kB", style="filled", fillcolor="#ffd6d6", color="#c0392b", tooltip="id @42"];',
        '  "more_1" [label="... 1,234 more", shape="box", style="dashed"];',
        '  "root" -> "_42" [label="cache"];',
        '  "_42" -> "more_1" [style="dashed"];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('escapes quotes, backslashes and ampersands, and makes controls visible', () => {
    const dot = renderDot({
      nodes: [{ id: 'a', label: 'say "hi" \\N & <b>{x|y}</b>\n\x1b[31m' }],
      edges: [],
    });
    expect(dot).toContain('"a" [label="say \\"hi\\" \\\\N &amp; <b>{x|y}</b>\\\\n\\\\x1b[31m"];');
    expect(dot).not.toContain('\x1b');
  });

  it('only breaks lines where the label has several lines', () => {
    const dot = renderDot({ nodes: [{ id: 'a', label: ['one\ntwo', 'three'] }], edges: [] });
    expect(dot).toContain('[label="one\\\\ntwo\\nthree"]');
    expect(dot.split('\n').filter((line) => line.includes('label='))).toHaveLength(1);
  });

  it('cuts long labels with an ellipsis', () => {
    const dot = renderDot({ nodes: [{ id: 'a', label: 'x'.repeat(10_000) }], edges: [] });
    expect(dot).toContain(`[label="${'x'.repeat(59)}..."]`);
  });

  it('sanitises ids to [A-Za-z0-9_] and keeps colliding ids apart, in order', () => {
    const dot = renderDot({
      nodes: [{ id: 'a-b', label: '1' }, { id: 'a_b', label: '2' }, { id: 'a.b', label: '3' }, { id: '', label: '4' }],
      edges: [{ from: 'a.b', to: 'node' }],
    });
    expect(dot).toContain('"a_b" [label="1"]');
    expect(dot).toContain('"a_b_2" [label="2"]');
    expect(dot).toContain('"a_b_3" [label="3"]');
    expect(dot).toContain('"_" [label="4"]');
    expect(dot).toContain('"a_b_3" -> "node";');
  });

  it('combines a caller style with the highlight fill', () => {
    const dot = renderDot({ nodes: [{ id: 'a', label: 'x', style: 'dashed', highlight: true }], edges: [] });
    expect(dot).toContain('style="dashed,filled"');
  });

  it('lets an explicit edge style beat the weak default', () => {
    const dot = renderDot({ nodes: [], edges: [{ from: 'a', to: 'b', weak: true, style: 'dotted', color: 'gray' }] });
    expect(dot).toContain('"a" -> "b" [style="dotted", color="gray"];');
  });

  it('is deterministic', () => {
    const graph: DotGraph = { nodes: [{ id: 'x', label: 'y' }], edges: [{ from: 'x', to: 'x', label: 'self' }] };
    expect(renderDot(graph)).toBe(renderDot(structuredClone(graph)));
  });
});
