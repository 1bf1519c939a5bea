import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { webLibraryCorsRule } from '../../src/shared/webLibraryCors.js';
import {
  declaration,
  loadTemplates,
  objectProperties,
  propertyAt,
  resourcesOfType,
  stringArray,
  stringLiteral,
} from './bicepTemplate.js';
import { repoRoot } from '../support/repoRoot.js';

const { fileAt } = await loadTemplates();

const compact = (text: string | undefined) => text?.replace(/\s+/g, '');

describe('web library sign-in and Blob CORS in the templates', () => {
  it('turns on App Service Authentication with Entra ID only when a registration is given, letting key clients through', () => {
    const app = fileAt('bicep/modules/functionApp.bicep');
    const [auth] = resourcesOfType(app, 'Microsoft.Web/sites/config').filter(
      (r) => stringLiteral(objectProperties(r.value).get('name')) === 'authsettingsV2',
    );
    expect(compact(auth?.condition?.text)).toBe('(!empty(webSignInClientId))');
    const properties = propertyAt(auth?.value, 'properties');
    expect(propertyAt(properties, 'platform', 'enabled')?.text).toBe('true');
    // Function-key clients (curl, the CLI) carry no session: anonymous requests must reach the app.
    expect(stringLiteral(propertyAt(properties, 'globalValidation', 'unauthenticatedClientAction'))).toBe(
      'AllowAnonymous',
    );
    expect(propertyAt(properties, 'httpSettings', 'requireHttps')?.text).toBe('true');
    const registration = propertyAt(properties, 'identityProviders', 'azureActiveDirectory', 'registration');
    expect(propertyAt(registration, 'clientId')?.text).toBe('webSignInClientId');
    // No secret anywhere: the app's identity stands in for one through a federated credential.
    expect(stringLiteral(propertyAt(registration, 'clientSecretSettingName'))).toBe(
      'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID',
    );
    expect(objectProperties(registration).has('clientSecret')).toBe(false);
    expect(compact(declaration(app, 'var', 'webSignInSetting').value?.text)).toContain(
      'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID:appIdentityClientId',
    );
    const main = fileAt('bicep/main.bicep');
    expect(stringLiteral(declaration(main, 'param', 'webSignInClientId').value)).toBe('');
    const parameters = JSON.parse(readFileSync(path.join(repoRoot, 'bicep/main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: string }>;
    };
    expect(parameters.parameters['webSignInClientId']?.value).toBe('${WEB_SIGN_IN_CLIENT_ID}');
  });

  it("allows the app's own https origin, and only it, to read and upload media through links", () => {
    const cors = fileAt('bicep/modules/mediaBlobCors.bicep');
    const [service] = resourcesOfType(cors, 'Microsoft.Storage/storageAccounts/blobServices');
    const rules = propertyAt(service?.value, 'properties', 'cors', 'corsRules')?.namedChildren ?? [];
    expect(rules).toHaveLength(1);
    const local = webLibraryCorsRule([]);
    expect(stringArray(propertyAt(rules[0], 'allowedMethods'))).toEqual(local.allowedMethods);
    expect(propertyAt(rules[0], 'allowedOrigins')?.text).toBe('allowedOrigins');
    expect(propertyAt(rules[0], 'maxAgeInSeconds')?.text).toBe(String(local.maxAgeInSeconds));
    const main = fileAt('bicep/main.bicep');
    const origins = propertyAt(declaration(main, 'module', 'mediaBlobCors').value, 'params', 'allowedOrigins');
    expect(origins?.namedChildren.map((n) => n.text)).toEqual(["'https://${functionApp.outputs.defaultHostName}'"]);
  });
});

describe('web sign-in hooks', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'mediaferry-signin-hook-'));
  const calls = path.join(scratch, 'calls.log');
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /**
   * The Azure CLI and azd stand-ins record their arguments and answer the way the real tools do for
   * a tenant without the registration (list → nothing, create → the new appId, list credentials → 0).
   */
  function fakeTools(): string {
    const bin = path.join(scratch, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    const script = `#!/bin/sh\necho "$(basename "$0") $*" >>"${calls}"\ncase "$*" in\n  "ad app list"*) echo "";;\n  "ad app create"*) echo "11111111-2222-3333-4444-555555555555";;\n  "ad app federated-credential list"*) echo 0;;\n  "ad sp show"*) exit 3;;\nesac\n`;
    for (const tool of ['az', 'azd']) {
      writeFileSync(path.join(bin, tool), script);
      chmodSync(path.join(bin, tool), 0o755);
    }
    return bin;
  }

  function runHook(name: string, env: Record<string, string>) {
    rmSync(calls, { force: true });
    const result = spawnSync('sh', [path.join(repoRoot, 'bicep/hooks', name)], {
      env: { PATH: `${fakeTools()}:/usr/bin:/bin`, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    let log = '';
    try {
      log = readFileSync(calls, 'utf8');
    } catch {
      log = '';
    }
    return { ...result, calls: log };
  }

  it('registers the app with an admin role and no secret, and hands its client id to the template', () => {
    const run = runHook('registerWebSignIn.sh', { AZURE_ENV_NAME: 'demo' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls).toContain("ad app create --display-name mediaferry-web-demo --sign-in-audience AzureADMyOrg");
    expect(run.calls).not.toMatch(/credential reset|--password|client-secret/);
    expect(run.calls).toContain('ad sp create --id 11111111-2222-3333-4444-555555555555');
    expect(run.calls).toContain('azd env set WEB_SIGN_IN_CLIENT_ID 11111111-2222-3333-4444-555555555555');
  });

  it("adds the app's callback and trusts the app's identity once it is provisioned", () => {
    const run = runHook('completeWebSignIn.sh', {
      WEB_SIGN_IN_CLIENT_ID: 'abc',
      FUNCTION_APP_URL: 'https://mf.azurewebsites.net',
      APP_IDENTITY_PRINCIPAL_ID: 'principal-1',
      AZURE_TENANT_ID: 'tenant-1',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls).toContain(
      'ad app update --id abc --web-redirect-uris https://mf.azurewebsites.net/.auth/login/aad/callback',
    );
    expect(run.calls).toContain('ad app federated-credential create --id abc');
  });

  it('does nothing when sign-in is turned off', () => {
    for (const hook of ['registerWebSignIn.sh', 'completeWebSignIn.sh']) {
      const run = runHook(hook, { WEB_SIGN_IN: 'false', AZURE_ENV_NAME: 'demo' });
      expect(run.status, hook).toBe(0);
      expect(run.calls, hook).toBe('');
    }
  });

  it('pass shellcheck', (context) => {
    if (spawnSync('sh', ['-c', 'command -v shellcheck']).status !== 0)
      context.skip('shellcheck is not installed, so the hook scripts were not linted');
    const hooks = ['registerWebSignIn.sh', 'completeWebSignIn.sh', 'postprovision.sh'];
    const result = spawnSync('shellcheck', ['--severity=style', ...hooks.map((h) => path.join(repoRoot, 'bicep/hooks', h))], {
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});
