import type { Node } from 'web-tree-sitter';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_SETTINGS, HOST_SETTINGS } from '../../src/app/appSettings.js';
import {
  type BicepFile,
  type SettingEntry,
  callArguments,
  callName,
  declaration,
  declarations,
  descendants,
  fileNamed,
  loadBicepFiles,
  objectProperties,
  propertyAt,
  resourcesOfType,
  settingEntries,
  stringLiteral,
} from './bicepTemplate.js';

/** Settings the code reads that the template deliberately does not set as plain values, and why. */
const SECRET_SETTINGS: Record<string, string> = {
  CALLBACK_SIGNING_KEY: 'secret: only a Key Vault reference, and only when callbackSigningKeySecretUri is given',
  WEBHOOK_SIGNING_SECRET: 'secret: only a Key Vault reference, and only when webhookSigningSecretUri is given',
};
/**
 * Settings only the Functions host and its Durable extension read (src/config.ts never does), set by
 * the template for the Durable Task Scheduler backend; HOST_SETTINGS lists the ones every backend uses.
 */
const DURABLE_BACKEND_HOST_SETTINGS: Record<string, string> = {
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'switches the Durable provider named in host.json',
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName:
    'names the setting holding the scheduler connection',
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'scheduler endpoint and the identity that signs in',
};
/** Read by App Service Authentication, not the app: the identity whose token replaces a client secret. */
const SIGN_IN_PLATFORM_SETTINGS: Record<string, string> = {
  OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: "the app identity's client id, set only when web sign-in is configured",
};
/** Flex Consumption takes these from functionAppConfig and rejects them as app settings. */
const FLEX_REJECTED_SETTINGS = ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION'];

let main: BicepFile;
let functionApp: BicepFile;
let settings: SettingEntry[];
beforeAll(async () => {
  const files = await loadBicepFiles();
  main = fileNamed(files, 'bicep/main.bicep');
  functionApp = fileNamed(files, 'bicep/modules/functionApp.bicep');
  const configs = resourcesOfType(functionApp, 'Microsoft.Web/sites/config').filter(
    (r) => stringLiteral(objectProperties(r.value).get('name')) === 'appsettings',
  );
  expect(configs.length).toBe(1);
  const properties = objectProperties(configs[0]?.value).get('properties');
  if (!properties) throw new Error('the appsettings resource has no properties');
  settings = settingEntries(functionApp, properties);
});

function setting(name: string): SettingEntry {
  const found = settings.filter((s) => s.name === name);
  expect(found.length, `${name} is set ${found.length} times`).toBe(1);
  return found[0] as SettingEntry;
}

/** The literal a main.bicep parameter defaults to, when a setting is passed straight through from one. */
function mainDefaultFeeding(value: Node): string | undefined {
  const appParams = new Set(declarations(functionApp, 'param').map((p) => p.name));
  const used = [value, ...descendants(value, 'identifier')].filter(
    (n, i, all) =>
      n.type === 'identifier' && appParams.has(n.text) && all.findIndex((m) => m.id === n.id) === i,
  );
  const [param] = used;
  if (used.length !== 1 || !param) return undefined;
  const passed = propertyAt(declaration(main, 'module', 'functionApp').value, 'params', param.text);
  if (passed?.type !== 'identifier') return undefined;
  const mainParam = declarations(main, 'param').find((p) => p.name === passed.text);
  const literal = mainParam?.value;
  if (!literal) return undefined;
  if (literal.type === 'string') return stringLiteral(literal);
  if (literal.type === 'number' || literal.type === 'boolean') return literal.text;
  return undefined;
}

describe('Function App settings against src/app/config.ts', () => {
  it('sets every setting in APP_SETTINGS unconditionally, except the documented secret', () => {
    const unconditional = new Set(settings.filter((s) => !s.conditional).map((s) => s.name));
    const missing = APP_SETTINGS.map((s) => s.name).filter(
      (name) => !unconditional.has(name) && !(name in SECRET_SETTINGS),
    );
    expect(missing).toEqual([]);
  });

  it('sets no setting that neither APP_SETTINGS, HOST_SETTINGS nor the documented exceptions name', () => {
    const known = new Set<string>([
      ...APP_SETTINGS.map((s) => s.name),
      ...HOST_SETTINGS,
      ...Object.keys(DURABLE_BACKEND_HOST_SETTINGS),
      ...Object.keys(SIGN_IN_PLATFORM_SETTINGS),
    ]);
    expect(settings.map((s) => s.name).filter((name) => !known.has(name))).toEqual([]);
  });

  it.each([
    ['CALLBACK_SIGNING_KEY', 'callbackSigningKeySecretUri'],
    ['WEBHOOK_SIGNING_SECRET', 'webhookSigningSecretUri'],
  ])('sets %s only as a Key Vault reference behind the parameter %s, never as a value', (name, parameter) => {
    expect(APP_SETTINGS.find((s) => s.name === name)?.secret).toBe(true);
    const secret = setting(name);
    expect(secret.conditional).toBe(true);
    expect(secret.value.text).toBe(`'@Microsoft.KeyVault(SecretUri=\${${parameter}})'`);
    expect(declaration(main, 'param', parameter).value?.text).toBe("''");
  });

  it('points notification mail at the deployed Communication Services resource, or at nothing', () => {
    const passed = (name: string) => propertyAt(declaration(main, 'module', 'functionApp').value, 'params', name)?.text;
    expect(setting('ACS_ENDPOINT').value.text).toBe('acsEndpoint');
    expect(setting('EMAIL_SENDER_ADDRESS').value.text).toBe('emailSenderAddress');
    expect(passed('acsEndpoint')).toBe("emailNotifications ? communicationEmail.outputs.endpoint : ''");
    expect(passed('emailSenderAddress')).toBe("emailNotifications ? communicationEmail.outputs.senderAddress : ''");
  });

  it('sets every secret setting of APP_SETTINGS only through the documented exception', () => {
    expect(APP_SETTINGS.filter((s) => s.secret).map((s) => s.name)).toEqual(Object.keys(SECRET_SETTINGS));
  });

  it('leaves out the runtime settings that Flex Consumption rejects', () => {
    expect(settings.map((s) => s.name).filter((name) => FLEX_REJECTED_SETTINGS.includes(name))).toEqual([]);
  });

  it('connects the host to storage and Application Insights with the app identity, not keys', () => {
    expect(stringLiteral(setting('AzureWebJobsStorage__credential').value)).toBe('managedidentity');
    expect(setting('AzureWebJobsStorage__clientId').value.text).toBe('appIdentityClientId');
    for (const service of ['blob', 'queue', 'table'])
      expect(setting(`AzureWebJobsStorage__${service}ServiceUri`).value.text).toBe(
        `hostStorage.properties.primaryEndpoints.${service}`,
      );
    expect(settings.some((s) => s.name === 'AzureWebJobsStorage')).toBe(false);
    expect(setting('APPLICATIONINSIGHTS_AUTHENTICATION_STRING').value.text).toBe(
      "'ClientId=${appIdentityClientId};Authorization=AAD'",
    );
  });

  it('points callbacks at the app itself over https and keeps private sources off', () => {
    expect(setting('CALLBACK_BASE_URL').value.text).toBe("'https://${functionApp.properties.defaultHostName}'");
    expect(stringLiteral(setting('ALLOW_PRIVATE_SOURCES').value)).toBe('false');
    expect(setting('ARM_ENDPOINT').value.text).toBe('environment().resourceManager');
  });

  it('writes booleans in lower case, as the config parser accepts them', () => {
    // Bicep's string(true) is 'True', which loadConfig would reject.
    const value = setting('KEEP_FAILED_GROUPS').value;
    expect(value.type).toBe('ternary_expression');
    expect(['consequence', 'alternative'].map((f) => stringLiteral(value.childForFieldName(f)))).toEqual([
      'true',
      'false',
    ]);
    const stringified = settings.filter(
      (s) =>
        s.value.type === 'call_expression' &&
        callName(s.value) === 'string' &&
        callArguments(s.value).some((a) => declarations(functionApp, 'param').find((p) => p.name === a.text)?.node.text.includes(' bool')),
    );
    expect(stringified.map((s) => s.name)).toEqual([]);
  });

  it('defaults each tunable in main.bicep to the same value as src/app/config.ts', () => {
    const compared = APP_SETTINGS.filter((spec) => spec.default !== undefined && !spec.secret).flatMap((spec) => {
      const entry = settings.find((s) => s.name === spec.name);
      const bicepDefault = entry && mainDefaultFeeding(entry.value);
      return bicepDefault === undefined ? [] : [[spec.name, bicepDefault, spec.default]];
    });
    expect(compared.length).toBeGreaterThanOrEqual(8);
    expect(compared.filter(([, bicep, code]) => bicep !== code)).toEqual([]);
  });
});
