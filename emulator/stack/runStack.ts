import { join } from 'node:path';
import { SOURCE_SECRET_NAMES } from '../../src/shared/workerEnvironment.js';
import { startLocalStack } from './startLocalStack.js';

/** `npm start`: the local stack in the foreground until Ctrl-C, then everything stops. */
export async function runStack(options: { appDir: string; port?: number }): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    'Starting the local stack (Azurite, managed identity, Key Vault, ACI emulator, Functions + Durable host)...',
  );
  const stack = await startLocalStack({ appDir: options.appDir, hostPort: options.port ?? 7071, log: out });
  out('');
  out(`Ready. Start a job:   curl -X POST ${stack.hostOrigin}/api/orchestrator_httpstart -d "<video url>"`);
  out('Then poll the statusQueryGetUri it returns, or use the CLI: npx mediaferry submit <video url> --wait');
  out(
    `Read links and the CLI's download use the stack's HTTPS: NODE_EXTRA_CA_CERTS=${stack.certificate.certPath}`,
  );
  out(`Mails (notifyEmail) go to ${stack.email.endpoint}.`);
  out('');
  out('Optional source secrets, read by the worker from the local Key Vault on every job:');
  out(
    `  cookies (Netscape cookies.txt):  cp cookies.txt ${join(stack.secretsDir, SOURCE_SECRET_NAMES.cookies)}`,
  );
  out(
    `  proxy URL:                       echo 'http://user:password@proxy:3128' > ${join(stack.secretsDir, SOURCE_SECRET_NAMES.proxyUrl)}`,
  );
  out('  (remove a file to run without it; a job can skip the cookies with "useCookies": false)');
  out('Press Ctrl-C to stop.');
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
