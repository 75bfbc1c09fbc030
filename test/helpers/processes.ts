// Whether a process the tests started is still running.
import fs from 'node:fs';

/** Running, and not a zombie waiting for its new parent to reap it (its parent is dead). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return false;
  }
}
