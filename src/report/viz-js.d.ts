// viz.js 3.7 ships types for its root entry but no `types` condition in its `exports`, so TypeScript's
// NodeNext resolution cannot find them. This declares the part of the API that svg.ts uses,
// copied from node_modules/@aduh95/viz.js/dist/index.d.ts.
declare module '@aduh95/viz.js' {
  import type { Worker } from 'node:worker_threads';

  export interface RenderOptions {
    engine?: 'circo' | 'dot' | 'fdp' | 'neato' | 'osage' | 'twopi';
    format?: 'svg' | 'dot' | 'xdot' | 'plain' | 'plain-ext' | 'ps' | 'ps2' | 'json' | 'json0';
    yInvert?: boolean;
    nop?: number;
  }

  export default class Viz {
    constructor(options: { worker: Worker });
    renderString(src: string, options?: RenderOptions): Promise<string>;
    terminateWorker(): Promise<number> | void;
  }
}
