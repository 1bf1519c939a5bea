import { appendFileSync } from 'node:fs';
import { app } from '@azure/functions';

// Each invocation appends one JSON line (what the function was given) to DELIVERY_LOG.
function record(functionName) {
  return async (content, context) => {
    const failOn = process.env.FAIL_ON_NAME;
    appendFileSync(
      process.env.DELIVERY_LOG,
      JSON.stringify({
        functionName,
        isBuffer: Buffer.isBuffer(content),
        content: Buffer.from(content).toString('utf8'),
        triggerMetadata: context.triggerMetadata,
      }) + '\n',
    );
    if (failOn && context.triggerMetadata.name === failOn) throw new Error('asked to fail');
  };
}

app.storageBlob('onDrop', {
  path: 'drops/{name}',
  connection: 'WatchedStorage',
  source: 'EventGrid',
  handler: record('onDrop'),
});

app.storageBlob('onReport', {
  path: 'reports/daily-{day}.{ext}',
  connection: 'WatchedStorage',
  handler: record('onReport'),
});
