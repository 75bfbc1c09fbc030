import type { SummaryWorker } from '../../src/workers/summary-parallel.ts';

/** The real summary worker, but its answer at `position` (0 = first) replaced by a failure. */
export function failingAt(worker: SummaryWorker, position: number): SummaryWorker {
  let answered = 0;
  return {
    send: (request) => worker.send(request),
    stop: () => worker.stop(),
    next: async () => {
      const answer = await worker.next();
      return answered++ === position ? { kind: 'failed', reason: 'injected by the test' } : answer;
    },
  };
}
