// Whether processes and ports the tests started are still there.
import fs from 'node:fs';
import net from 'node:net';

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

/**
 * Whether anything listens on TCP `port`, on any address, read from /proc/net/tcp and tcp6 — it
 * only looks, so it never connects to a non-loopback address.
 */
export function isListening(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDRESS:PORT in hex; state 0A is LISTEN.
      if (fields[3] === '0A' && fields[1]?.endsWith(`:${hex}`)) return true;
    }
  }
  return false;
}

/** Polls `check` every 50 ms until it holds or `ms` pass; resolves to its last answer. */
export async function waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** A TCP port on 127.0.0.1 that nothing listens on right now (for an inspector to take). */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether an inspector answers on 127.0.0.1:`port` (its HTTP target list). */
export async function isInspectorOpen(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/json/list`);
    return true;
  } catch {
    return false;
  }
}
