import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './bicepTemplate.js';

interface HookConfig {
  run: string;
  shell?: string;
  continueOnError?: boolean;
}
interface AzureYaml {
  name: string;
  infra: { provider: string; path: string; module: string };
  services: Record<string, { project: string; language: string; host: string }>;
  hooks: Record<string, { posix?: HookConfig; windows?: HookConfig } & Partial<HookConfig>>;
}

const azureYaml = parse(readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8')) as AzureYaml;
const hookScript = path.join(repoRoot, 'bicep/hooks/buildWorkerImage.sh');
const scratch = mkdtempSync(path.join(tmpdir(), 'mediaferry-hook-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Runs the hook with only the given variables (and a PATH holding bash and coreutils), 30 s at most. */
function runHook(env: Record<string, string>) {
  const result = spawnSync('bash', [hookScript], {
    env: { PATH: '/usr/bin:/bin', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('azure.yaml', () => {
  it('points infra at bicep/main.bicep', () => {
    expect(azureYaml.infra.provider).toBe('bicep');
    expect(existsSync(path.join(repoRoot, azureYaml.infra.path, `${azureYaml.infra.module}.bicep`))).toBe(true);
    expect(existsSync(path.join(repoRoot, azureYaml.infra.path, `${azureYaml.infra.module}.parameters.json`))).toBe(
      true,
    );
  });

  it('deploys the repository root as a TypeScript function app tagged by the template', () => {
    expect(Object.keys(azureYaml.services)).toEqual(['api']);
    const api = azureYaml.services.api;
    expect(api).toMatchObject({ language: 'ts', host: 'function' });
    expect(existsSync(path.join(repoRoot, api?.project ?? '', 'package.json'))).toBe(true);
    expect(existsSync(path.join(repoRoot, api?.project ?? '', 'host.json'))).toBe(true);
    // azd finds the app by this tag; functionApp.bicep must carry the same service name.
    const functionApp = readFileSync(path.join(repoRoot, 'bicep/modules/functionApp.bicep'), 'utf8');
    expect(functionApp).toContain("'azd-service-name': 'api'");
  });

  it('runs existing, executable provision hooks: sign-in registration, worker image, sign-in completion', () => {
    expect(azureYaml.hooks.preprovision?.posix?.run).toBe('./bicep/hooks/registerWebSignIn.sh');
    const hook = azureYaml.hooks.postprovision?.posix;
    expect(hook?.run).toBe('./bicep/hooks/postprovision.sh');
    const postprovision = readFileSync(path.join(repoRoot, 'bicep/hooks/postprovision.sh'), 'utf8');
    expect(postprovision).toContain('buildWorkerImage.sh');
    expect(postprovision).toContain('completeWebSignIn.sh');
    for (const run of [hook?.run, azureYaml.hooks.preprovision?.posix?.run, './bicep/hooks/buildWorkerImage.sh']) {
      const script = path.join(repoRoot, run ?? '');
      expect(existsSync(script)).toBe(true);
      expect(() => accessSync(script, constants.X_OK)).not.toThrow();
    }
  });
});

describe('worker image hook (bicep/hooks/buildWorkerImage.sh)', () => {
  it('passes shellcheck', (context) => {
    if (!hasCommand('shellcheck')) context.skip('shellcheck is not installed, so the hook script was not linted');
    const result = spawnSync('shellcheck', ['--severity=style', hookScript], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses to run without the registry name and says which output provides it', () => {
    const { status, output } = runHook({});
    expect(status).toBe(2);
    expect(output).toContain('AZURE_CONTAINER_REGISTRY_NAME is not set');
  });

  it('does nothing when SKIP_WORKER_IMAGE_BUILD=true', () => {
    const { status, output } = runHook({ SKIP_WORKER_IMAGE_BUILD: 'true' });
    expect(status).toBe(0);
    expect(output).toContain('not building mediaferry-worker:latest');
  });

  it('says the Azure CLI is needed when az is not on PATH', () => {
    const { status, output } = runHook({ AZURE_CONTAINER_REGISTRY_NAME: 'crexample' });
    expect(status).toBe(2);
    expect(output).toContain('Azure CLI (az) is required');
  });

  it('builds <registry>/<repository>:<tag> from container/Dockerfile with the repository root as context', () => {
    // A copy of the hook in a scratch checkout, so the test does not depend on the real Dockerfile yet.
    const checkout = path.join(scratch, 'checkout');
    mkdirSync(path.join(checkout, 'bicep/hooks'), { recursive: true });
    mkdirSync(path.join(checkout, 'container'), { recursive: true });
    copyFileSync(hookScript, path.join(checkout, 'bicep/hooks/buildWorkerImage.sh'));
    writeFileSync(path.join(checkout, 'container/Dockerfile'), 'FROM scratch\n');
    // Stands in for the Azure CLI only: records its working directory and arguments, answers like a signed-in az.
    const bin = path.join(scratch, 'bin');
    const log = path.join(scratch, 'az-calls.log');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'az'), `#!/bin/sh\necho "$(pwd) $*" >> '${log}'\nexit 0\n`, { mode: 0o755 });
    const result = spawnSync('bash', [path.join(checkout, 'bicep/hooks/buildWorkerImage.sh')], {
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        AZURE_CONTAINER_REGISTRY_NAME: 'crexample',
        WORKER_IMAGE_REPOSITORY: 'mediaferry-worker',
        WORKER_IMAGE_TAG: '1.2.3',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.at(-1)).toBe(
      `${checkout} acr build --registry crexample --image mediaferry-worker:1.2.3 --file container/Dockerfile --platform linux/amd64 --only-show-errors .`,
    );
    expect(result.stdout).toContain('crexample.azurecr.io/mediaferry-worker:1.2.3');
  });
});

describe('Durable backend check (bicep/hooks/checkDurableBackend.sh)', () => {
  const checkScript = path.join(repoRoot, 'bicep/hooks/checkDurableBackend.sh');

  /** Runs a copy of the hook in a scratch checkout whose host.json names the given provider. */
  function runCheck(provider: string, env: Record<string, string>) {
    const checkout = path.join(scratch, `check-${provider}`);
    mkdirSync(path.join(checkout, 'bicep/hooks'), { recursive: true });
    copyFileSync(checkScript, path.join(checkout, 'bicep/hooks/checkDurableBackend.sh'));
    const hostJson = { version: '2.0', extensions: { durableTask: { storageProvider: { type: provider } } } };
    writeFileSync(path.join(checkout, 'host.json'), JSON.stringify(hostJson, null, 2));
    const result = spawnSync('sh', [path.join(checkout, 'bicep/hooks/checkDurableBackend.sh')], {
      env: { PATH: '/usr/bin:/bin', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('runs before every deploy without stopping it', () => {
    const hook = azureYaml.hooks.predeploy?.posix;
    expect(hook?.run).toBe('./bicep/hooks/checkDurableBackend.sh');
    expect(() => accessSync(checkScript, constants.X_OK)).not.toThrow();
    expect(hook?.continueOnError).toBe(true);
  });

  it('passes shellcheck', (context) => {
    if (!hasCommand('shellcheck')) context.skip('shellcheck is not installed, so the hook script was not linted');
    const result = spawnSync('shellcheck', ['--severity=style', checkScript], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stdout + result.stderr).toBe('');
  });

  it('says nothing for the Azure Storage backend', () => {
    expect(runCheck('AzureStorage', {})).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(runCheck('AzureStorage', { DURABLE_BACKEND: 'azureStorage' })).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('warns when the scheduler backend is provisioned but host.json names another provider', () => {
    const { status, stderr } = runCheck('AzureStorage', { DURABLE_BACKEND: 'durableTaskScheduler' });
    expect(status).toBe(0);
    expect(stderr).toContain('warning: DURABLE_BACKEND=durableTaskScheduler, but host.json does not set');
    expect(stderr).toContain('"type": "azureManaged"');
  });

  it('confirms a host.json that names the scheduler provider', () => {
    const { status, stdout, stderr } = runCheck('azureManaged', { DURABLE_BACKEND: 'durableTaskScheduler' });
    expect(status).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('host.json names the azureManaged provider');
  });
});
