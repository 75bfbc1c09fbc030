// The watcher `snapshot --pid` leaves behind when it cannot see the target's inspector closed before it
// exits (--timeout, Ctrl-C, an error while the target is blocked): a detached process, started by
// leaveClosed() (inspector-closing.ts) with the Activation as JSON in argv[2]. SIGUSR1 cannot be taken back, so
// a target blocked in a synchronous call opens its inspector whenever the call returns; this process
// waits for that and closes it at once. It ends when the inspector is closed, when the target exits,
// or after WATCH_MS, and prints nothing (its stdio is ignored).

import type { Activation } from './inspector-endpoint.ts';
import { WATCH_MS, watchAndClose } from './inspector-closing.ts';

const activation = JSON.parse(process.argv[2] ?? '{}') as Activation;
if (typeof activation.pid === 'number') await watchAndClose(activation, Date.now() + WATCH_MS);
