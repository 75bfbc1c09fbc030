// One notation for nodes and edges in every output (report/names.ts), on a real Node 20 snapshot.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';
import { describeNode, describeNodeWithId, edgeToJson, formatEdgeName, nodeToJson } from '../../src/report/names.ts';
import { fixturePath } from '../helpers/fixtures.ts';

describe('names (finreg-node20)', () => {
  let graph: HeapGraph;
  /** The first edge of each V8 edge type whose name matches `name` (any name when omitted). */
  const firstEdge = (type: string, name: RegExp = /.*/) => {
    for (let e = 0; e < graph.edgeCount; e++) if (graph.edgeTypeOf(e) === type && name.test(graph.edgeNameOf(e))) return e;
    throw new Error(`no ${type} edge`);
  };
  const firstNode = (type: string, name: RegExp = /.*/) => {
    for (let o = 0; o < graph.nodeCount; o++) if (graph.nodeTypeOf(o) === type && name.test(graph.nodeNameOf(o))) return o;
    throw new Error(`no ${type} node`);
  };

  beforeAll(async () => {
    graph = await loadSnapshot(fixturePath('finreg-node20'));
  });

  it('writes each edge type the way DevTools does, a weak edge as [[name]]', () => {
    const weak = firstEdge('weak', /^[a-z_]+$/);
    expect(formatEdgeName(graph, weak)).toBe(`[[${graph.edgeNameOf(weak)}]]`);
    expect(formatEdgeName(graph, firstEdge('element'))).toMatch(/^\[\d+\]$/);
    expect(formatEdgeName(graph, firstEdge('context'))).toMatch(/^->./);
    expect(formatEdgeName(graph, firstEdge('property', /^[A-Za-z_$][\w$]*$/))).toMatch(/^\.[A-Za-z_$]/);
    expect(formatEdgeName(graph, firstEdge('property', / /))).toMatch(/^\["[^"]* [^"]*"\]$/);
    expect(formatEdgeName(graph, firstEdge('hidden'))).toMatch(/^\{\d+\}$/);
  });

  it('names a node by what it is, with its id in text and V8\'s own name and type in JSON', () => {
    const closure = firstNode('closure', /^[a-zA-Z]\w+$/);
    expect(describeNode(graph, closure)).toBe(`Function ${graph.nodeNameOf(closure)}`);
    expect(describeNodeWithId(graph, closure)).toBe(`Function ${graph.nodeNameOf(closure)} @${graph.nodeId[closure]}`);
    expect(nodeToJson(graph, closure)).toEqual({ id: graph.nodeId[closure], name: graph.nodeNameOf(closure), type: 'closure' });
    const string = firstNode('string', /^[a-z]{3,20}$/);
    expect(describeNode(graph, string)).toBe(`(string) "${graph.nodeNameOf(string)}"`);
    const element = firstEdge('element');
    expect(edgeToJson(graph, element)).toEqual({ type: 'element', name: graph.edgeNameOrIndex[element] });
  });
});
