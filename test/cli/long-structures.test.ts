// Long structures from real programs (issue 12): a linked list of 300,000 `Link`s ending in a `Tail`
// (300,001 hops deep), 70,000 classes, and a list that grew by 100,000 nodes between two snapshots
// of one process. Made by test/programs/long-structures.cjs, once per version of it and of Node
// (programSnapshots caches them). Checked: the commands finish, group the list as one shape, cut
// what they print, and print every row asked for.
// (How fast is the bench's business: bench/programs/linked-list.cjs.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli, runCliInProcess } from '../helpers/cli.ts';
import { programSnapshots } from '../helpers/fixtures.ts';

const PROGRAM = path.join(PROJECT_ROOT, 'test/programs/long-structures.cjs');
const LIST_LENGTH = 300_000;
const CLASSES = 70_000;
const GROWTH = 100_000;
/** What "bounded" means for one chain shape or one chain: a screen or two, whatever the list's length. */
const SMALL_OUTPUT = 20_000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-long-'));
let LIST = '';
let TAGS = '';
let GROWN: string[] = [];

beforeAll(() => {
  [LIST] = programSnapshots(PROGRAM, ['list', String(LIST_LENGTH)], 1);
  [TAGS] = programSnapshots(PROGRAM, ['tags', String(CLASSES)], 1);
  GROWN = programSnapshots(PROGRAM, ['growth', String(GROWTH)], 2);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('leakscope on long structures', () => {
  it('chain LIST --type Link --all: one shape, each held by the previous one, a few lines', () => {
    const r = runCli(['chain', LIST, '--type', 'Link', '--all']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^300,000 objects of class Link in 1 chain shape\n/);
    expect(r.stdout).toMatch(/#1 {2}300,000 objects, [\d.]+ MB retained in total\n/);
    expect(r.stdout).toMatch(/\n {2}\.head → Link @\d+\n {2}\.next → Link ×299,999, each held by the previous one \(@\d+ … e\.g\. @\d+\)\n$/);
    expect(r.stdout.length).toBeLessThan(SMALL_OUTPUT);
  });

  it('chain LIST --type Link --all --json: one group, its ids and chain cut', async () => {
    const r = await runCliInProcess(['chain', LIST, '--type', 'Link', '--all', '--json']);
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeLessThan(SMALL_OUTPUT);
    const json = JSON.parse(r.stdout);
    expect(json.groups).toHaveLength(1);
    expect(json.groups[0]).toMatchObject({ count: LIST_LENGTH, heldByOwnClass: LIST_LENGTH - 1 });
    expect(json.groups[0].ids).toHaveLength(100);
    expect(json).toMatchObject({ moreGroups: 0, unreachable: [], unreachableCount: 0 });
    // The deepest Link's chain: global, .head, 299,999 × .next; the middle stands as one entry.
    const chain = json.groups[0].chain;
    const elided = chain.filter((hop: { elidedHops?: number }) => hop.elidedHops !== undefined);
    expect(elided).toHaveLength(1);
    expect(chain.length - 1 + elided[0].elidedHops).toBe(LIST_LENGTH + 1);
  });

  it('chain LIST --type Tail: the first and last hops, and how many are left out', async () => {
    const r = await runCliInProcess(['chain', LIST, '--type', 'Tail']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    // global .head Link, then 299,999 × .next Link, then .tail Tail.
    expect(lines[0]).toMatch(/^Tail @\d+: 300,001 hops from a global object \(distance 300002\)$/);
    expect(lines[1]).toMatch(/^ {2}global @\d+ /);
    expect(lines[2]).toMatch(/^ {2}\.head → Link @\d+ /);
    expect(lines.at(-1)).toMatch(/^ {2}\.tail → Tail @\d+ {2}self \d+ B/);
    const gap = lines.findIndex((line) => /^ {2}… [\d,]+ more hops …$/.test(line));
    expect(gap).toBeGreaterThan(2);
    const shownHops = lines.length - 3; // the headline, the root and the gap are no hops
    expect(Number(lines[gap].replace(/\D/g, '')) + shownHops).toBe(LIST_LENGTH + 1);
    expect(r.stdout.length).toBeLessThan(SMALL_OUTPUT);
  });

  it('chain LIST --type Tail --json, and --all-hops --json', async () => {
    const cut = await runCliInProcess(['chain', LIST, '--type', 'Tail', '--json']);
    expect(cut.status).toBe(0);
    expect(cut.stdout.length).toBeLessThan(SMALL_OUTPUT);
    const json = JSON.parse(cut.stdout);
    expect(json.target).toMatchObject({ name: 'Tail', distance: LIST_LENGTH + 2 });
    expect(json.chain.at(-1).edge).toBeNull();
    expect(json.chain.some((hop: { elidedHops?: number }) => hop.elidedHops !== undefined)).toBe(true);

    const whole = await runCliInProcess(['chain', LIST, '--type', 'Tail', '--json', '--all-hops']);
    expect(whole.status).toBe(0);
    const all = JSON.parse(whole.stdout);
    expect(all.chain).toHaveLength(LIST_LENGTH + 2);
    expect(all.chain.filter((hop: { edge: { name: string } | null }) => hop.edge?.name === 'next')).toHaveLength(LIST_LENGTH - 1);
  });

  it('chain LIST --type Tail --dot FILE --svg FILE: a bounded picture', async () => {
    const dot = path.join(tmp, 'tail.dot');
    const svg = path.join(tmp, 'tail.svg');
    const r = await runCliInProcess(['chain', LIST, '--type', 'Tail', '--dot', dot, '--svg', svg]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/leakscope: wrote .*tail\.dot \(DOT, \d+ nodes\)/);
    const text = fs.readFileSync(dot, 'utf8');
    expect(text).toMatch(/label="\.\.\. [\d,]+ more hops \.\.\."/);
    expect(text.length).toBeLessThan(SMALL_OUTPUT);
    expect(fs.readFileSync(svg, 'utf8')).toMatch(/<svg[\s>]/);
  });

  it('backrefs LIST --type Tail --depth 100000: capped, and says so', async () => {
    const r = await runCliInProcess(['backrefs', LIST, '--type', 'Tail', '--depth', '100000']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('leakscope: warning: --depth 100000 is capped at 100 hops');
    expect(r.stdout).toMatch(/^Tail @\d+ /);
    expect(r.stdout.split('\n').length).toBeLessThan(1000);
  });

  it('list LIST --type Link --limit 0: every row, as text and as JSON', async () => {
    const text = await runCliInProcess(['list', LIST, '--type', 'Link', '--limit', '0']);
    expect(text.status).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(LIST_LENGTH + 3); // header, rule, rows, summary
    expect(lines.at(-1)).toBe('300,000 objects of class Link');
    expect(lines[2]).toMatch(/^@\d+ +\d+ +\d+ B +[\d.]+ MB {2}\{next\}$/);
    const json = await runCliInProcess(['list', LIST, '--type', 'Link', '--limit', '0', '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout).objects).toHaveLength(LIST_LENGTH);
  });

  it('top TAGS --limit 0: 70,000 classes, as text and as JSON', async () => {
    const json = await runCliInProcess(['top', TAGS, '--limit', '0', '--json']);
    expect(json.status).toBe(0);
    const classes = JSON.parse(json.stdout).classes;
    expect(classes.filter((c: { name: string }) => /^T\d+$/.test(c.name))).toHaveLength(CLASSES);
    const text = await runCliInProcess(['top', TAGS, '--limit', '0']);
    expect(text.status).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(classes.length + 3);
    expect(lines.filter((line) => /^T\d+ +1 +\d+ /.test(line))).toHaveLength(CLASSES);
  });

  it('growth A B: 100,000 new Links are one chain group', async () => {
    const r = await runCliInProcess(['growth', ...GROWN]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Link +1,000 → 101,000 +\+100,000 /m);
    expect(r.stdout).toMatch(/What holds the 100,000 new Link objects:\n {2}100,000×, [\d.]+ MB {2}global \.head → Link \.next ×99,999 \(each held by the previous one\) → Link\n\n/);
    const json = JSON.parse((await runCliInProcess(['growth', ...GROWN, '--json'])).stdout);
    const link = json.classes.find((c: { name: string }) => c.name === 'Link');
    expect(link.retainers).toHaveLength(1);
    expect(link.retainers[0]).toMatchObject({ count: GROWTH, isTransient: false });
    expect(link.retainers[0].steps.length).toBeLessThanOrEqual(7);
  });
});
