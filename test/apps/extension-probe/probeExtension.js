import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A minimal host extension: claims the "probeTrigger" trigger type and the "probeClient" input
 * binding type, and serves /runtime/webhooks/probe/ by invoking the probe function.
 */
export function createExtension({ dataDir }) {
  let host;
  return {
    name: 'probe',
    triggerTypes: ['probeTrigger'],
    inputBindingTypes: ['probeClient'],
    provideInput(binding, fn) {
      return { string: JSON.stringify({ binding: binding.type, forFunction: fn.name, origin: host.origin }) };
    },
    async handleWebhook(req, res, subPath, url) {
      if (req.method !== 'POST' || subPath !== 'invoke') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ subPath }));
        return;
      }
      const outcome = await host.invoke('probeWork', {
        data: { json: JSON.stringify({ value: url.searchParams.get('value') }) },
      });
      res.writeHead(outcome.error ? 500 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ returnValue: outcome.returnValue, error: outcome.error?.message ?? null }));
    },
    async start(functionHost) {
      host = functionHost;
      host.log('information', `probe extension started with ${host.functions.size} functions`);
    },
    async stop() {
      writeFileSync(join(dataDir, 'probe-stopped'), 'stopped');
    },
  };
}
