import type { Worker } from 'node:worker_threads';

/** A new growth worker (referenced); it waits for a GrowthJob message. */
export function startGrowthWorker(): Worker;
/** Starts a growth worker for the command about to run, unreferenced until taken. */
export function startGrowthWorkerEarly(): void;
/** The worker startGrowthWorkerEarly started, if it is still running; null otherwise. Taken once. */
export function takeEarlyGrowthWorker(): Worker | null;
