// The TCP ports a process listens on, read from /proc (Linux): its open file descriptors name socket
// inodes, and /proc/PID/net/tcp and tcp6 list every socket of its network namespace with address,
// state and inode. This is how remote-session.ts sees where an inspector it activated really opened — the
// port (also a random one, --inspect-port=0) and the address, loopback or not — without asking the
// process anything while its main thread may be busy.
//
// /proc/net/tcp prints each address as the 32-bit words of the in-memory (network order) address, as
// the host reads them: on little-endian machines the bytes of every word come out reversed.

import fs from 'node:fs';
import os from 'node:os';

export interface ListeningSocket {
  address: string;
  port: number;
  inode: number;
}

/** TCP state 0A in /proc/net/tcp. */
const TCP_LISTEN = '0A';

/**
 * The TCP sockets `pid` listens on; undefined where /proc cannot tell (not Linux, not readable),
 * so callers fall back to probing the expected port.
 */
export function listeningSocketsOf(pid: number): ListeningSocket[] | undefined {
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  const inodes = new Set<number>();
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(Number(match[1]));
    } catch {
      // closed since readdir
    }
  }
  const sockets = readListening(`/proc/${pid}/net/tcp`).concat(readListening(`/proc/${pid}/net/tcp6`));
  return sockets.filter((socket) => inodes.has(socket.inode));
}

/** Every listening TCP socket of this network namespace (`/proc/net/tcp*`); [] without /proc. */
export function listeningSockets(): ListeningSocket[] {
  return readListening('/proc/net/tcp').concat(readListening('/proc/net/tcp6'));
}

function readListening(file: string): ListeningSocket[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const sockets: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
    const [addressHex, portHex] = fields[1].split(':');
    sockets.push({ address: decodeAddress(addressHex), port: parseInt(portHex, 16), inode: Number(fields[9]) });
  }
  return sockets;
}

function decodeAddress(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const wordBytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(word + i, word + i + 2), 16));
    bytes.push(...(os.endianness() === 'LE' ? wordBytes.reverse() : wordBytes));
  }
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return compressIpv6(groups);
}

/** `0:0:0:0:0:0:0:1` → `::1`: the longest run of zero groups becomes `::`. */
function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestLength < 2) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}
