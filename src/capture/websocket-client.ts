// A Chrome DevTools Protocol client over a websocket (the `ws` package): numbered requests matched
// to their replies, events dispatched by method name. The remote side of inspector.ts's
// ProtocolClient, the in-process Session being the other. Connects to literal loopback addresses only.

import WebSocket from 'ws';
import { LeakscopeError } from '../errors.ts';
import type { ProtocolClient } from './inspector.ts';
import { isLoopbackHost } from './inspector-flags.ts';

export class WebSocketClient implements ProtocolClient {
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, Set<(params: Record<string, unknown>) => void>>();
  private closedReason: string | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.dispatch(data.toString()));
    socket.on('close', () => this.failAll('the inspector connection closed'));
    socket.on('error', (error) => this.failAll(`inspector connection error: ${error.message}`));
  }

  static connect(url: string): Promise<WebSocketClient> {
    // Literal loopback addresses only: a name could resolve anywhere.
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    if (host === 'localhost' || !isLoopbackHost(host)) throw new LeakscopeError(`refusing to connect to ${url}: only loopback addresses are allowed`);
    return new Promise((resolve, reject) => {
      // Chunks are small, but the default 100 MiB cap is kept as a guard; no compression on loopback.
      const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 5000 });
      socket.once('open', () => resolve(new WebSocketClient(socket)));
      socket.once('error', (error) => reject(new LeakscopeError(`cannot connect to the inspector at ${url}: ${error.message}`)));
    });
  }

  post(method: string, params?: Record<string, unknown>): Promise<unknown> {
    if (this.closedReason) return Promise.reject(new LeakscopeError(`${method}: ${this.closedReason}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params: params ?? {} }));
    });
  }

  onEvent(method: string, handler: (params: Record<string, unknown>) => void): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Drops the connection; pending and later requests fail with `reason` when one is given. */
  terminate(reason?: string): void {
    if (reason !== undefined) this.failAll(reason);
    this.socket.terminate();
  }

  private dispatch(text: string): void {
    let message: { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown; error?: { message?: string } };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message.id === 'number') {
      const entry = this.pending.get(message.id);
      if (!entry) return;
      this.pending.delete(message.id);
      if (message.error) entry.reject(new LeakscopeError(`inspector ${entry.method} failed: ${message.error.message ?? 'unknown error'}`));
      else entry.resolve(message.result);
    } else if (message.method) {
      for (const handler of this.listeners.get(message.method) ?? []) handler(message.params ?? {});
    }
  }

  private failAll(reason: string): void {
    this.closedReason ??= reason;
    for (const entry of this.pending.values()) entry.reject(new LeakscopeError(`${entry.method}: ${reason}`));
    this.pending.clear();
  }
}
