import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';

export interface RecordedInstance {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
}

export interface RecordedEvent {
  instanceId: string;
  eventName: string;
  data: unknown;
}

const TASK_HUB = 'TestHub';
const FINISHED = ['Completed', 'Failed', 'Terminated', 'Canceled'];

/**
 * A stand-in for the Durable extension's client API (the `rpcBaseUrl` protocol durable-functions 3.x
 * speaks over HTTP), holding instances in memory. The app's code talks to it through the real
 * DurableClient, so status codes and client behaviour (getStatus of an unknown id rejects, raiseEvent
 * on a finished one resolves) are the real client's, not a mock's.
 */
export class InMemoryDurableBackend {
  readonly instances = new Map<string, RecordedInstance>();
  readonly starts: { name: string; instanceId: string; input: unknown }[] = [];
  readonly events: RecordedEvent[] = [];
  private server: Server | undefined;
  private origin = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** An instance as if an orchestration had been started earlier. */
  addInstance(instanceId: string, runtimeStatus = 'Running', name = 'jobOrchestrator'): void {
    const now = new Date().toISOString();
    this.instances.set(instanceId, {
      name,
      instanceId,
      runtimeStatus,
      input: null,
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
    });
  }

  /** The public webhook base the management URLs point at (the host's origin in real life). */
  get webhookBase(): string {
    return `${this.origin}/runtime/webhooks/durabletask`;
  }

  /** The durableClient input binding data the host would pass to a client function. */
  clientData(): Record<string, unknown> {
    const base = this.webhookBase;
    const q = `taskHub=${TASK_HUB}&connection=Storage&code=SYSTEMKEY`;
    return {
      taskHubName: TASK_HUB,
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?code=SYSTEMKEY`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=SYSTEMKEY`,
      },
      managementUrls: {
        id: 'INSTANCEID',
        statusQueryGetUri: `${base}/instances/INSTANCEID?${q}`,
        sendEventPostUri: `${base}/instances/INSTANCEID/raiseEvent/{eventName}?${q}`,
        terminatePostUri: `${base}/instances/INSTANCEID/terminate?reason={text}&${q}`,
        rewindPostUri: `${base}/instances/INSTANCEID/rewind?reason={text}&${q}`,
        purgeHistoryDeleteUri: `${base}/instances/INSTANCEID?${q}`,
        restartPostUri: `${base}/instances/INSTANCEID/restart?${q}`,
        suspendPostUri: `${base}/instances/INSTANCEID/suspend?reason={text}&${q}`,
        resumePostUri: `${base}/instances/INSTANCEID/resume?reason={text}&${q}`,
      },
      baseUrl: base,
      requiredQueryStringParameters: 'code=SYSTEMKEY',
      rpcBaseUrl: `${this.origin}/durabletask/`,
    };
  }

  /** An invocation context carrying the durableClient input, and the real client built from it. */
  invocation(functionName: string): { context: InvocationContext; client: DurableClient; logs: string[] } {
    const logs: string[] = [];
    const input = df.input.durableClient();
    const context = new InvocationContext({
      functionName,
      invocationId: `test-${functionName}`,
      options: { extraInputs: [input] },
      logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`),
    });
    context.extraInputs.set(input, this.clientData());
    return { context, client: df.getClient(context), logs };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const body = await readText(req);
    const send = (status: number, value?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(value === undefined ? '' : JSON.stringify(value));
    };
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'durabletask') return send(404, { message: 'not found' });

    if (req.method === 'POST' && parts[1] === 'orchestrators' && parts[2]) {
      const instanceId = parts[3] ?? randomUUID().replace(/-/g, '');
      const existing = this.instances.get(instanceId);
      // The extension refuses to overwrite a running instance (overridableExistingInstanceStates).
      if (existing && !FINISHED.includes(existing.runtimeStatus))
        return send(409, { message: `An instance with ID '${instanceId}' already exists.` });
      const input: unknown = body ? JSON.parse(body) : null;
      const now = new Date().toISOString();
      this.starts.push({ name: parts[2], instanceId, input });
      this.instances.set(instanceId, {
        name: parts[2],
        instanceId,
        runtimeStatus: 'Pending',
        input,
        output: null,
        customStatus: null,
        createdTime: now,
        lastUpdatedTime: now,
      });
      return send(202, { id: instanceId });
    }
    if (req.method === 'GET' && parts[1] === 'instances' && parts.length === 2) {
      // One page holding every match: the creation-time filters apply to createdTime, as the backend's do.
      const from = url.searchParams.get('createdTimeFrom');
      const to = url.searchParams.get('createdTimeTo');
      const matches = [...this.instances.values()].filter(
        (i) =>
          (!from || Date.parse(i.createdTime) >= Date.parse(from)) &&
          (!to || Date.parse(i.createdTime) <= Date.parse(to)),
      );
      return send(200, matches);
    }
    if (parts[1] === 'instances' && parts[2]) {
      const instance = this.instances.get(parts[2]);
      if (req.method === 'GET' && parts.length === 3) {
        if (!instance) return send(404);
        const showInput = url.searchParams.get('showInput') !== 'false';
        return send(FINISHED.includes(instance.runtimeStatus) ? 200 : 202, {
          ...instance,
          input: showInput ? instance.input : null,
        });
      }
      if (req.method === 'POST' && parts[3] === 'raiseEvent' && parts[4]) {
        if (!instance) return send(404);
        if (FINISHED.includes(instance.runtimeStatus)) return send(410);
        this.events.push({ instanceId: parts[2], eventName: parts[4], data: body ? JSON.parse(body) : null });
        return send(202);
      }
    }
    return send(404, { message: 'not found' });
  }
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
