import type { BindingInfo, FunctionHost, HostExtension, TypedData } from '../host/extension.js';
import { DurableEngine } from './durableEngine.js';
import { readDurableSettings } from './durableSettings.js';
import { DurableStore } from './durableStore.js';
import { DurableWebhookApi, WEBHOOK_PREFIX, managementUrls } from './durableWebhookApi.js';

export interface DurableExtensionOptions {
  /** Folder for the SQLite store (the host's data folder). */
  dataDir: string;
  /** Overrides host.json's `extensions.durableTask.hubName`. */
  hubName?: string;
  /**
   * Group commit in the store (default: on unless the environment sets
   * MEDIAFERRY_DURABLE_GROUP_COMMIT=off, which the benchmark uses for its comparison).
   */
  groupCommit?: boolean;
}

export { DurableEngine } from './durableEngine.js';
export { DurableStore } from './durableStore.js';
export { EpisodeRules } from './episodeRules.js';
export { InstanceRules } from './instanceRules.js';
export { type InstanceStatusBody, instanceStatusBody } from './instanceStatusBody.js';
export * from './durableErrors.js';

/**
 * The local Durable extension: drives orchestrationTrigger and activityTrigger functions, supplies
 * the durableClient binding and serves /runtime/webhooks/durabletask/ (also the client's RPC surface).
 */
export function createDurableExtension(options: DurableExtensionOptions): HostExtension {
  let host: FunctionHost | undefined;
  let store: DurableStore | undefined;
  let engine: DurableEngine | undefined;
  let api: DurableWebhookApi | undefined;
  let hubName = options.hubName ?? 'TestHubName';
  const baseUrl = () => `${host?.origin ?? 'http://localhost:7071'}${WEBHOOK_PREFIX}`;

  return {
    name: 'durabletask',
    triggerTypes: ['orchestrationTrigger', 'activityTrigger', 'entityTrigger'],
    inputBindingTypes: ['durableClient', 'orchestrationClient'],

    provideInput(_binding: BindingInfo): TypedData {
      const base = baseUrl();
      const query = `taskHub=${encodeURIComponent(hubName)}&connection=Storage`;
      const clientData = {
        taskHubName: hubName,
        creationUrls: {
          createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]`,
          createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}`,
        },
        managementUrls: { ...managementUrls(base, 'INSTANCEID', hubName), id: 'INSTANCEID' },
        baseUrl: base,
        requiredQueryStringParameters: query,
        rpcBaseUrl: `${base}/`,
        httpBaseUrl: base,
      };
      return { string: JSON.stringify(clientData) };
    },

    async handleWebhook(req, res, subPath, url) {
      if (!api) {
        res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1' });
        res.end(JSON.stringify({ code: 'NotStarted', message: 'The durable engine is not started yet.' }));
        return;
      }
      await api.handle(req, res, subPath, url);
    },

    async start(functionHost: FunctionHost): Promise<void> {
      host = functionHost;
      const settings = readDurableSettings(functionHost.hostJson, process.env, options.hubName);
      hubName = settings.hubName;
      const groupCommit = options.groupCommit ?? process.env.MEDIAFERRY_DURABLE_GROUP_COMMIT !== 'off';
      store = new DurableStore(options.dataDir, hubName, { groupCommit });
      engine = new DurableEngine(store, functionHost, settings);
      api = new DurableWebhookApi(engine, baseUrl, hubName);
      engine.start();
      functionHost.log(
        'information',
        `Durable task hub '${hubName}' ready (activities ≤ ${settings.maxConcurrentActivityFunctions}, orchestrators ≤ ${settings.maxConcurrentOrchestratorFunctions}, group commit ${groupCommit ? 'on' : 'off'}).`,
      );
    },

    async stop(): Promise<void> {
      await engine?.stop();
      api = undefined;
      engine = undefined;
      store?.close();
      store = undefined;
    },
  };
}
