import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalCertificate, type LocalCertificate } from '../emulator/certs/localCertificate.js';
import type { LocalStack, LocalStackOptions } from '../emulator/stack/startLocalStack.js';
import { startCallbackProxy, type CallbackProxy } from '../test/support/callbackProxy.js';
import { mediaFixtures, type MediaFixtures } from '../test/support/mediaFixtures.js';
import { startMediaServer, type MediaServer } from '../test/support/mediaServer.js';
import { startRunStack } from '../test/support/runStack.js';

/**
 * The local certificate benchmarks' stacks use. Node reads extra CA certificates only at start: in a
 * process that does not trust it yet, this runs the same script again trusting it and exits with
 * that run's status.
 */
export function trustedBenchCertificate(): LocalCertificate {
  const certificate = ensureLocalCertificate(join(tmpdir(), 'mediaferry-bench-ca'));
  if (process.env.NODE_EXTRA_CA_CERTS !== certificate.certPath) {
    const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certificate.certPath },
    });
    process.exit(again.status ?? 1);
  }
  return certificate;
}

export interface BenchStack {
  fixtures: MediaFixtures;
  media: MediaServer;
  /** Records the workers' callbacks on their way to the app. */
  proxy: CallbackProxy;
  /** The stack, once `start` has started it. */
  readonly stack: LocalStack | undefined;
  /** Starts the local stack with the workers' callbacks going through `proxy`. */
  start(options: Pick<LocalStackOptions, 'settings' | 'aci'>): Promise<LocalStack>;
  /** Stops whatever started, and removes the stack's data. */
  close(): Promise<void>;
}

/** The test clips on a media server and a callback proxy, ready to start one local stack behind them. */
export async function openBenchStack(name: string, certificate: LocalCertificate): Promise<BenchStack> {
  const fixtures = await mediaFixtures();
  const media = await startMediaServer({ root: fixtures.dir });
  const proxy = await startCallbackProxy();
  const dataDir = mkdtempSync(join(tmpdir(), `mediaferry-${name}-bench-`));
  let stack: LocalStack | undefined;
  return {
    fixtures,
    media,
    proxy,
    get stack() {
      return stack;
    },
    async start(options) {
      stack = await startRunStack({
        dataDir,
        certificate,
        settings: { ...options.settings, CALLBACK_BASE_URL: proxy.origin },
        ...(options.aci ? { aci: options.aci } : {}),
      });
      proxy.target = stack.hostOrigin.replace('localhost', '127.0.0.1');
      return stack;
    },
    async close() {
      await stack?.stop();
      await proxy.close();
      await media.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
