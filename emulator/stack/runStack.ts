import { startLocalStack } from './startLocalStack.js';

/** `npm start`: the local stack in the foreground until Ctrl-C, then everything stops. */
export async function runStack(options: { appDir: string; port?: number }): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out('Starting the local stack (Azurite, managed identity, ACI emulator, Functions + Durable host)...');
  const stack = await startLocalStack({ appDir: options.appDir, hostPort: options.port ?? 7071, log: out });
  out('');
  out(`Ready. Start a job:   curl -X POST ${stack.hostOrigin}/api/orchestrator_httpstart -d "<video url>"`);
  out('Then poll the statusQueryGetUri it returns, or use the CLI: npx mediaferry submit <video url> --wait');
  out(
    `Read links and the CLI's download use the stack's HTTPS: NODE_EXTRA_CA_CERTS=${stack.certificate.certPath}`,
  );
  out(`Mails (notifyEmail) go to ${stack.email.endpoint}. Press Ctrl-C to stop.`);
  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      out(`\nReceived ${signal}; stopping the local stack...`);
      stack.stop().then(resolveStop, resolveStop);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out('Stopped.');
}
