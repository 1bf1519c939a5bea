import { runWorker } from './runWorker.js';
import { WorkerError } from './WorkerError.js';

// The container's entry point: `node dist/worker/main.mjs`, configured only by environment variables.
const stop = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  if (stop.signal.aborted) return;
  process.stderr.write(`[worker] received ${signal}; stopping\n`);
  stop.abort(new WorkerError('CANCELLED', `The container was stopped (${signal}) before the job finished.`));
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);

runWorker(process.env, { signal: stop.signal })
  .then((code) => {
    // Everything is done and reported; idle keep-alive sockets must not hold the container open.
    process.exit(code);
  })
  .catch((error: unknown) => {
    process.stderr.write(
      `[worker] unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(70);
  });
