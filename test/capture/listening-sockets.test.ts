import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { listeningSockets, listeningSocketsOf } from '../../src/capture/listening-sockets.ts';

async function listen(host: string): Promise<net.Server | undefined> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined)); // no IPv6 here
    server.listen(0, host, () => resolve(server));
  });
}

describe('listeningSocketsOf (from /proc)', () => {
  it('lists this process\'s listening sockets with address and port, IPv4 and IPv6', async () => {
    const v4 = (await listen('127.0.0.1'))!;
    const v6 = await listen('::1');
    try {
      const mine = listeningSocketsOf(process.pid)!;
      expect(mine).toContainEqual(expect.objectContaining({ address: '127.0.0.1', port: (v4.address() as net.AddressInfo).port }));
      if (v6) expect(mine).toContainEqual(expect.objectContaining({ address: '::1', port: (v6.address() as net.AddressInfo).port }));
      expect(listeningSockets().length).toBeGreaterThanOrEqual(mine.length);
    } finally {
      v4.close();
      v6?.close();
    }
  });

  it('is undefined for a process it cannot read', () => {
    expect(listeningSocketsOf(4194000)).toBeUndefined();
  });
});
