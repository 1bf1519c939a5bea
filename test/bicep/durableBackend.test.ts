import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { describe, expect, it } from 'vitest';
import {
  callArguments,
  callName,
  declaration,
  decoratorArguments,
  loadTemplates,
  objectProperties,
  propertyAt,
  repoRoot,
  resourcesOfType,
  stringArray,
  stringLiteral,
} from './bicepTemplate.js';

const DURABLE_TASK_DATA_CONTRIBUTOR = '0ad04412-c4d5-4796-b79c-f76d14c8d402';
/** First extension bundle with the Durable Task Scheduler (azureManaged) provider for non-.NET apps. */
const FIRST_BUNDLE_WITH_SCHEDULER = [4, 32, 0];

const { main, fileAt } = await loadTemplates();
const scheduler = fileAt('bicep/modules/durableTaskScheduler.bicep');
const functionApp = fileAt('bicep/modules/functionApp.bicep');

interface BackendSettings {
  condition: string;
  durableTaskScheduler: Map<string, Node>;
  azureStorage: Map<string, Node>;
}

/** The two branches of functionApp.bicep's durableBackendSettings, keyed by the backend each serves. */
function backendSettings(): BackendSettings {
  const value = declaration(functionApp, 'var', 'durableBackendSettings').value;
  if (value?.type !== 'ternary_expression') throw new Error('durableBackendSettings is not a conditional');
  return {
    condition: value.childForFieldName('condition')?.text ?? '',
    durableTaskScheduler: objectProperties(value.childForFieldName('consequence') ?? undefined),
    azureStorage: objectProperties(value.childForFieldName('alternative') ?? undefined),
  };
}

const hostJson = JSON.parse(readFileSync(path.join(repoRoot, 'host.json'), 'utf8')) as {
  extensionBundle: { id: string; version: string };
  extensions: { durableTask: { hubName: string; storageProvider?: { type?: string } } };
};

describe('durableBackend parameter', () => {
  it('offers azureStorage (the default) and durableTaskScheduler, settable with azd env DURABLE_BACKEND', () => {
    const param = declaration(main, 'param', 'durableBackend');
    expect(stringLiteral(param.value)).toBe('azureStorage');
    expect(stringArray(decoratorArguments(param, 'allowed')?.[0])).toEqual(['azureStorage', 'durableTaskScheduler']);
    const parameterFile = JSON.parse(readFileSync(path.join(repoRoot, 'bicep/main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: string }>;
    };
    expect(parameterFile.parameters.durableBackend?.value).toBe('${DURABLE_BACKEND=azureStorage}');
  });

  it('creates the scheduler only for the durableTaskScheduler backend', () => {
    const module = declaration(main, 'module', 'durableTaskScheduler');
    expect(module.target).toBe('modules/durableTaskScheduler.bicep');
    expect(module.condition?.text).toBe('(useDurableTaskScheduler)');
    expect(declaration(main, 'var', 'useDurableTaskScheduler').value?.text).toBe(
      "durableBackend == 'durableTaskScheduler'",
    );
  });

  it('passes the backend and the scheduler endpoint (empty for azureStorage) to the Function App', () => {
    const params = objectProperties(propertyAt(declaration(main, 'module', 'functionApp').value, 'params'));
    expect(params.get('durableBackend')?.text).toBe('durableBackend');
    expect(params.get('durableTaskSchedulerEndpoint')?.text).toBe(
      "useDurableTaskScheduler ? durableTaskScheduler.outputs.endpoint : ''",
    );
    expect(stringLiteral(declaration(functionApp, 'param', 'durableBackend').value)).toBe('azureStorage');
  });
});

describe('Durable Task Scheduler resources', () => {
  it('declares a scheduler with a documented SKU and a non-empty IP allow-list', () => {
    const [resource] = resourcesOfType(scheduler, 'Microsoft.DurableTask/schedulers');
    expect(resource?.target).toBe('Microsoft.DurableTask/schedulers@2026-02-01');
    const properties = objectProperties(propertyAt(resource?.value, 'properties'));
    // An empty allow-list refuses every caller, even one holding the data role.
    expect(properties.get('ipAllowlist')?.text).toBe('ipAllowlist');
    const allowlist = declaration(scheduler, 'param', 'ipAllowlist');
    expect(stringArray(allowlist.value)).toEqual(['0.0.0.0/0']);
    expect(decoratorArguments(allowlist, 'minLength')?.[0]?.text).toBe('1');
    const mainAllowlist = declaration(main, 'param', 'durableTaskSchedulerIpAllowlist');
    expect(stringArray(mainAllowlist.value)).toEqual(['0.0.0.0/0']);
    expect(decoratorArguments(mainAllowlist, 'minLength')?.[0]?.text).toBe('1');

    const sku = properties.get('sku');
    expect(sku?.type).toBe('ternary_expression');
    const dedicated = objectProperties(sku?.childForFieldName('consequence') ?? undefined);
    const consumption = objectProperties(sku?.childForFieldName('alternative') ?? undefined);
    expect(stringLiteral(dedicated.get('name'))).toBe('Dedicated');
    expect(dedicated.get('capacity')?.text).toBe('capacity');
    expect(stringLiteral(consumption.get('name'))).toBe('Consumption');
    expect(consumption.has('capacity')).toBe(false);
    expect(stringArray(decoratorArguments(declaration(main, 'param', 'durableTaskSchedulerSku'), 'allowed')?.[0])).toEqual([
      'Consumption',
      'Dedicated',
    ]);
  });

  it('creates the task hub the host uses: the same name as DURABLE_TASK_HUB and host.json hubName', () => {
    const [hub] = resourcesOfType(scheduler, 'Microsoft.DurableTask/schedulers/taskHubs');
    expect(hub?.target).toBe('Microsoft.DurableTask/schedulers/taskHubs@2026-02-01');
    expect(propertyAt(hub?.value, 'parent')?.text).toBe('scheduler');
    expect(propertyAt(hub?.value, 'name')?.text).toBe('taskHubName');
    const params = objectProperties(propertyAt(declaration(main, 'module', 'durableTaskScheduler').value, 'params'));
    expect(params.get('taskHubName')?.text).toBe('durableTaskHubName');
    expect(propertyAt(declaration(main, 'module', 'functionApp').value, 'params', 'durableTaskHubName')?.text).toBe(
      'durableTaskHubName',
    );
    expect(hostJson.extensions.durableTask.hubName).toBe('%DURABLE_TASK_HUB%');
  });

  it('grants the app identity Durable Task Data Contributor on its task hub only', () => {
    const assignments = resourcesOfType(scheduler, 'Microsoft.Authorization/roleAssignments');
    expect(assignments.length).toBe(1);
    const [assignment] = assignments;
    expect(propertyAt(assignment?.value, 'scope')?.text).toBe('taskHub');
    const roleId = propertyAt(assignment?.value, 'properties', 'roleDefinitionId');
    expect(roleId?.type === 'call_expression' && callName(roleId)).toBe('subscriptionResourceId');
    const roleVar = roleId ? callArguments(roleId)[1]?.text : undefined;
    expect(stringLiteral(declaration(scheduler, 'var', roleVar ?? '').value)).toBe(DURABLE_TASK_DATA_CONTRIBUTOR);
    expect(propertyAt(assignment?.value, 'properties', 'principalId')?.text).toBe('appPrincipalId');
    expect(
      propertyAt(declaration(main, 'module', 'durableTaskScheduler').value, 'params', 'appPrincipalId')?.text,
    ).toBe('appIdentity.outputs.principalId');
  });
});

describe('Function App settings per Durable backend', () => {
  it('sets no Durable backend setting for azureStorage, so host.json (AzureStorage) applies as written', () => {
    const { condition, azureStorage } = backendSettings();
    expect(condition).toBe("durableBackend == 'durableTaskScheduler'");
    expect([...azureStorage.keys()]).toEqual([]);
    expect(hostJson.extensions.durableTask.storageProvider?.type).toBe('AzureStorage');
  });

  it('switches the host to the azureManaged provider for durableTaskScheduler', () => {
    const settings = backendSettings().durableTaskScheduler;
    expect(stringLiteral(settings.get('AzureFunctionsJobHost__extensions__durableTask__storageProvider__type'))).toBe(
      'azureManaged',
    );
    const connectionName = stringLiteral(
      settings.get('AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName'),
    );
    expect(connectionName).toBe('DURABLE_TASK_SCHEDULER_CONNECTION_STRING');
    // The named setting is set in the same branch, so the host never starts with a dangling name.
    expect(settings.has(connectionName ?? '')).toBe(true);
  });

  it('connects to the scheduler with the app identity, never a key', () => {
    const settings = backendSettings().durableTaskScheduler;
    expect(settings.get('DURABLE_TASK_SCHEDULER_CONNECTION_STRING')?.text).toBe(
      "'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${appIdentityClientId}'",
    );
    // The client id names the identity that holds the data role (same user-assigned identity).
    const params = objectProperties(propertyAt(declaration(main, 'module', 'functionApp').value, 'params'));
    expect(params.get('appIdentityClientId')?.text).toBe('appIdentity.outputs.clientId');
    expect(declaration(scheduler, 'output', 'endpoint').value?.text).toBe('scheduler.properties.endpoint');
  });

  it('runs on an extension bundle range that includes the first bundle with the scheduler provider', () => {
    expect(hostJson.extensionBundle.id).toBe('Microsoft.Azure.Functions.ExtensionBundle');
    const match = /^\[([^,]+),\s*([^)\]]+)[)\]]$/.exec(hostJson.extensionBundle.version);
    expect(match, hostJson.extensionBundle.version).not.toBeNull();
    const [, lower = '', upper = ''] = match ?? [];
    // "4.*" takes the newest 4.x bundle the platform has (past 4.32 since 2025); an explicit floor must reach 4.32.0.
    if (lower.trim() !== '4.*') {
      const floor = lower.trim().split('.').map(Number);
      const below = FIRST_BUNDLE_WITH_SCHEDULER.findIndex((part, i) => (floor[i] ?? 0) !== part);
      expect(below === -1 || (floor[below] ?? 0) > (FIRST_BUNDLE_WITH_SCHEDULER[below] ?? 0), lower).toBe(true);
    }
    expect(upper.trim().startsWith('5')).toBe(true);
  });
});
