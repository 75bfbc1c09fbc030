// Types for child-result.mjs (plain JavaScript so that the peers' children run on bare Node).
export interface TaskOutcome {
  phases?: Record<string, number>;
  facts?: Record<string, unknown>;
  skipped?: string;
}
export type Task = (args: string[]) => Promise<TaskOutcome | void> | TaskOutcome | void;
export function parseChildArgs(argv: string[]): { task: string; resultFile: string; args: string[] };
export function peakRssBytes(): number;
export function runChild(tasks: Record<string, Task>, argv?: string[]): Promise<void>;
export function createLaps(): { phases: Record<string, number>; lap(name: string): void };
