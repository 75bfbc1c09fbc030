// What --near-heap-limit finds after the program ends: a complete snapshot is analysed, one cut off
// mid-write (the process killed while Node wrote it) or left empty is named as such, never analysed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/cli.ts';
import { analyseNearLimitSnapshots, nearLimitSnapshotNames } from '../../src/watch/near-heap-limit.ts';
import { EventWriter, type WatchEvent } from '../../src/watch/events.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-near-limit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('a truncated and an empty near-limit snapshot are reported as such; the complete one is analysed', async () => {
  const text = zlib.gunzipSync(fs.readFileSync(path.join(PROJECT_ROOT, 'fixtures/leaky-server-3.heapsnapshot.gz')));
  fs.writeFileSync(path.join(dir, 'Heap.20260101.000000.5555.0.001.heapsnapshot'), text.subarray(0, 10)); // an earlier run's
  const earlier = nearLimitSnapshotNames(dir);
  // The program's snapshots, whatever their pid: under a wrapper (sh -c, npm start) Node is a grandchild.
  fs.writeFileSync(path.join(dir, 'Heap.20260101.000000.4242.0.001.heapsnapshot'), text);
  fs.writeFileSync(path.join(dir, 'Heap.20260101.000001.4242.0.002.heapsnapshot'), text.subarray(0, Math.floor(text.length / 2)));
  fs.writeFileSync(path.join(dir, 'Heap.20260101.000002.4243.0.003.heapsnapshot'), '');
  const ndjson = path.join(dir, 'events.ndjson');
  const writer = new EventWriter({ ndjson, human: () => undefined, isSampleSummarised: false });
  expect(await analyseNearLimitSnapshots(dir, 4242, writer, earlier)).toBe(3);
  writer.close();
  const [event] = fs.readFileSync(ndjson, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Extract<WatchEvent, { event: 'near-heap-limit' }>);
  expect(event.files.map((f) => [path.basename(f.file), f.isComplete, f.problem?.replace(/:.*/, '') ?? null])).toEqual([
    ['Heap.20260101.000000.4242.0.001.heapsnapshot', true, null],
    ['Heap.20260101.000001.4242.0.002.heapsnapshot', false, 'truncated'],
    ['Heap.20260101.000002.4243.0.003.heapsnapshot', false, 'empty'],
  ]);
  // One complete snapshot: the leak suspects analysis (this small leak holds under 10% of the heap).
  expect(event.report!.verdict).toBe('no leak suspect: nothing holds 10% of the 7.4 MB heap');
  expect(fs.readFileSync(event.report!.markdown, 'utf8')).toMatch(/^# Leak suspects near the heap limit\n/);
});
