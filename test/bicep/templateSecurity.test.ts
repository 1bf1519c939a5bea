import type { Node } from 'web-tree-sitter';
import { describe, expect, it } from 'vitest';
import {
  type BicepFile,
  type Declaration,
  callArguments,
  callName,
  declaration,
  declarations,
  descendants,
  firstCustomRole,
  loadTemplates,
  modulesReceiving,
  objectProperties,
  propertyAt,
  resourcesOfType,
  stringLiteral,
} from './bicepTemplate.js';

/** Built-in roles this template may grant (ids from docs/azure-facts). */
const BUILT_IN_ROLES: Record<string, string> = {
  '7f951dda-4ed3-4680-a7ca-43fe172d538d': 'AcrPull',
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  'f1a07417-d97a-45cb-824c-7a7467783830': 'Managed Identity Operator',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
  '0ad04412-c4d5-4796-b79c-f76d14c8d402': 'Durable Task Data Contributor',
  'db58b8e5-c6ad-4a2a-8342-4190687cbf4a': 'Storage Blob Delegator',
  '09976791-48a7-449e-bb21-39d1a415f350': 'Communication and Email Service Owner',
  '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User',
  '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1': 'Storage Blob Data Reader',
};
const CUSTOM_ROLE_ACTIONS = [
  'Microsoft.ContainerInstance/containerGroups/*',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
];

const { files, fileAt } = await loadTemplates();

/** Source with comments removed, so an explanatory comment cannot trip the text checks. */
function codeOnly(file: BicepFile): string {
  let text = file.source;
  for (const comment of descendants(file.root, 'comment').reverse())
    text = text.slice(0, comment.startIndex) + ' '.repeat(comment.text.length) + text.slice(comment.endIndex);
  return text;
}

function resourceProperties(resource: Declaration): Map<string, Node> {
  return objectProperties(objectProperties(resource.value).get('properties'));
}

type RoleRef = { builtIn: string } | { custom: string } | { unknown: string };

/** What a roleDefinitionId expression grants: a built-in id, a custom role declared in the file, or neither. */
function roleOf(file: BicepFile, expression: Node | undefined): RoleRef {
  if (!expression) return { unknown: '(missing)' };
  if (expression.type === 'call_expression' && callName(expression) === 'subscriptionResourceId') {
    const [type, id] = callArguments(expression);
    if (stringLiteral(type) !== 'Microsoft.Authorization/roleDefinitions' || !id) return { unknown: expression.text };
    const literal =
      stringLiteral(id) ??
      (id.type === 'identifier' ? stringLiteral(declaration(file, 'var', id.text).value) : undefined);
    if (literal) return { builtIn: literal };
    const custom = /^(\w+)\.name$/.exec(id.text)?.[1];
    if (custom && resourcesOfType(file, 'Microsoft.Authorization/roleDefinitions').some((r) => r.name === custom))
      return { custom };
  }
  return { unknown: expression.text };
}

/** A role as the tests name it: a built-in role's name, or the reference itself as JSON. */
const roleName = (role: RoleRef) => ('builtIn' in role ? BUILT_IN_ROLES[role.builtIn] : JSON.stringify(role));

interface Assignment {
  file: BicepFile;
  resource: Declaration;
  role: RoleRef;
  principal: string;
  scopeType: string | undefined;
}

function roleAssignments(): Assignment[] {
  return files.flatMap((file) =>
    resourcesOfType(file, 'Microsoft.Authorization/roleAssignments').map((resource) => {
      const properties = resourceProperties(resource);
      const scope = objectProperties(resource.value).get('scope')?.text;
      const scopeResource = declarations(file, 'resource').find((d) => d.name === scope);
      return {
        file,
        resource,
        role: roleOf(file, properties.get('roleDefinitionId')),
        principal: properties.get('principalId')?.text ?? '',
        // No scope property: the assignment applies to the resource group it is deployed to.
        scopeType: scope === undefined ? 'resourceGroup' : scopeResource?.target?.split('@')[0],
      };
    }),
  );
}

describe('no keys or secrets in the templates', () => {
  it('calls no list* function (listKeys, listAccountSas, listCredentials, …)', () => {
    const calls = files.flatMap((file) =>
      descendants(file.root, 'call_expression')
        .map((call) => callName(call))
        .filter((name) => /(^|\.)list\w*$/i.test(name))
        .map((name) => `${file.path}: ${name}()`),
    );
    expect(calls).toEqual([]);
  });

  it('builds no key-bearing connection string or admin credential', () => {
    const pattern = /AccountKey=|SharedAccessKey|SharedAccessSignature|primaryKey|secondaryKey|listKeys|adminPassword|passwords\[/i;
    expect(files.filter((file) => pattern.test(codeOnly(file))).map((f) => f.path)).toEqual([]);
  });

  it('catches listKeys when it appears, so the checks above can fail', async () => {
    const { parseBicep } = await import('./bicepTemplate.js');
    const leaky = await parseBicep("resource s 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {\n  name: 'x'\n}\noutput k string = s.listKeys().keys[0].value\n");
    expect(descendants(leaky.root, 'call_expression').map(callName)).toContain('s.listKeys');
  });

  it('outputs no secure parameter', () => {
    const leaks = files.flatMap((file) => {
      const secure = declarations(file, 'param').filter((p) => /@secure\(\)/.test(p.node.previousSibling?.text ?? ''));
      return declarations(file, 'output')
        .filter((o) => secure.some((p) => new RegExp(`\\b${p.name}\\b`).test(o.value?.text ?? '')))
        .map((o) => `${file.path}: output ${o.name}`);
    });
    expect(leaks).toEqual([]);
  });
});

describe('storage, registry and monitoring lock-down', () => {
  it('disables shared-key access, public blobs and TLS below 1.2 on every storage account', () => {
    const accounts = files.flatMap((file) =>
      resourcesOfType(file, 'Microsoft.Storage/storageAccounts').filter((r) => !r.existing),
    );
    expect(accounts.length).toBe(2);
    for (const account of accounts) {
      const properties = resourceProperties(account);
      expect(properties.get('allowSharedKeyAccess')?.text, account.name).toBe('false');
      expect(properties.get('allowBlobPublicAccess')?.text, account.name).toBe('false');
      expect(stringLiteral(properties.get('minimumTlsVersion')), account.name).toBe('TLS1_2');
      expect(properties.get('supportsHttpsTrafficOnly')?.text, account.name).toBe('true');
    }
  });

  it('creates blob containers without public access', () => {
    const containers = files.flatMap((file) =>
      resourcesOfType(file, 'Microsoft.Storage/storageAccounts/blobServices/containers').filter((r) => !r.existing),
    );
    expect(containers.length).toBeGreaterThanOrEqual(2);
    for (const container of containers)
      expect(stringLiteral(resourceProperties(container).get('publicAccess')), container.name).toBe('None');
  });

  it('disables the container registry admin user', () => {
    const registries = files.flatMap((file) =>
      resourcesOfType(file, 'Microsoft.ContainerRegistry/registries').filter((r) => !r.existing),
    );
    expect(registries.length).toBe(1);
    for (const registry of registries) expect(resourceProperties(registry).get('adminUserEnabled')?.text).toBe('false');
  });

  it('disables local (key) authentication on Application Insights and Log Analytics', () => {
    const monitoring = fileAt('bicep/modules/monitoring.bicep');
    const [insights] = resourcesOfType(monitoring, 'Microsoft.Insights/components');
    const [workspace] = resourcesOfType(monitoring, 'Microsoft.OperationalInsights/workspaces');
    expect(insights && resourceProperties(insights).get('DisableLocalAuth')?.text).toBe('true');
    expect(workspace && propertyAt(objectProperties(workspace.value).get('properties'), 'features', 'disableLocalAuth')?.text).toBe(
      'true',
    );
  });
});

describe('role assignments', () => {
  it('names every role assignment guid(scope, principal, role)', () => {
    const assignments = roleAssignments();
    expect(assignments.length).toBeGreaterThanOrEqual(8);
    for (const { file, resource } of assignments) {
      const name = objectProperties(resource.value).get('name');
      const where = `${file.path}: ${resource.name}`;
      expect(name?.type === 'call_expression' && callName(name), where).toBe('guid');
      expect(name && callArguments(name).length, where).toBe(3);
      const principal = resourceProperties(resource).get('principalId')?.text ?? '';
      expect(name && callArguments(name)[1]?.text, where).toBe(principal);
    }
  });

  it('grants only known built-in roles or the job container custom role', () => {
    const unknown = roleAssignments()
      .filter(({ role }) => ('builtIn' in role ? !(role.builtIn in BUILT_IN_ROLES) : !('custom' in role)))
      .map(({ file, resource, role }) => `${file.path}: ${resource.name} -> ${JSON.stringify(role)}`);
    expect(unknown).toEqual([]);
  });

  it('sets principalType so new identities are not refused while they replicate', () => {
    for (const { file, resource } of roleAssignments())
      expect(resourceProperties(resource).get('principalType'), `${file.path}: ${resource.name}`).toBeDefined();
  });

  it('limits the custom role to container groups and reading the resource group it is assignable in', () => {
    const file = fileAt('bicep/modules/jobContainerOperatorRole.bicep');
    const roles = files.flatMap((f) => resourcesOfType(f, 'Microsoft.Authorization/roleDefinitions'));
    expect(roles.map((r) => r.name).sort()).toEqual(
      ['jobContainerOperator', 'mediaReaderCleaner', 'mediaWriter', 'subnetJoiner', 'uploadSigner'].sort(),
    );
    const { properties, permissions } = firstCustomRole(file);
    expect(properties.get('assignableScopes')?.text.replace(/\s+/g, '')).toBe('[resourceGroup().id]');
    expect(permissions.length).toBe(1);
    const permission = objectProperties(permissions[0]);
    expect(permission.get('actions')?.namedChildren.map(stringLiteral)).toEqual(CUSTOM_ROLE_ACTIONS);
    expect(permission.get('dataActions')?.namedChildren ?? []).toEqual([]);
  });

  it('gives the worker identity AcrPull, the media writer role on media, read on incoming and on the two source secrets, nothing more', () => {
    const main = fileAt('bicep/main.bicep');
    // The worker's principal id may only flow into the worker role module and the source secrets vault.
    expect(modulesReceiving(main, 'workerIdentity.outputs.principalId')).toEqual(['sourceSecrets', 'workerRoles']);
    expect(declaration(main, 'module', 'workerRoles').target).toBe('modules/workerRoles.bicep');
    expect(declaration(main, 'module', 'sourceSecrets').target).toBe('modules/sourceSecrets.bicep');
    const secretReads = roleAssignments()
      .filter((a) => a.file.path === 'bicep/modules/sourceSecrets.bicep')
      .map((a) => [roleName(a.role), a.scopeType, a.principal]);
    expect(secretReads).toEqual([
      ['Key Vault Secrets User', 'Microsoft.KeyVault/vaults/secrets', 'workerPrincipalId'],
      ['Key Vault Secrets User', 'Microsoft.KeyVault/vaults/secrets', 'workerPrincipalId'],
    ]);

    const worker = roleAssignments().filter((a) => a.file.path === 'bicep/modules/workerRoles.bicep');
    const grants = worker.map((a) => [
      roleName(a.role),
      a.scopeType,
      a.principal,
    ]);
    expect(grants).toEqual([
      ['AcrPull', 'Microsoft.ContainerRegistry/registries', 'workerPrincipalId'],
      ['{"custom":"mediaWriter"}', 'Microsoft.Storage/storageAccounts/blobServices/containers', 'workerPrincipalId'],
      ['Storage Blob Data Reader', 'Microsoft.Storage/storageAccounts/blobServices/containers', 'workerPrincipalId'],
    ]);
    // Each data role on its own container: write on media, read on incoming.
    const scopes = worker.map((a) => objectProperties(a.resource.value).get('scope')?.text);
    expect(scopes).toEqual(['registry', 'mediaContainer', 'incomingContainer']);
    const incoming = declarations(fileAt('bicep/modules/workerRoles.bicep'), 'resource').find(
      (d) => d.name === 'incomingContainer',
    );
    expect(objectProperties(incoming?.value).get('name')?.text).toBe('incomingContainerName');
  });

  it('lets the worker write media blobs but not read, list or delete any', () => {
    const file = fileAt('bicep/modules/workerRoles.bicep');
    const { role, properties, permissions } = firstCustomRole(file);
    expect(stringLiteral(properties.get('type'))).toBe('CustomRole');
    expect(properties.get('assignableScopes')?.text.replace(/\s+/g, '')).toBe('[resourceGroup().id]');
    // Named with guid() so a redeployment updates the same definition instead of adding another.
    const name = objectProperties(role?.value).get('name');
    const nameVar = name ? declaration(file, 'var', name.text).value : undefined;
    expect(nameVar?.type === 'call_expression' && callName(nameVar)).toBe('guid');

    expect(permissions.length).toBe(1);
    const permission = objectProperties(permissions[0]);
    const dataActions = (permission.get('dataActions')?.namedChildren ?? []).map(stringLiteral);
    expect(dataActions).toEqual([
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action',
    ]);
    // No wildcard and nothing that reads (blobs/read also covers properties, existence checks and listing) or deletes.
    expect(dataActions.filter((a) => /\*|read|list|delete|move|tags|filter|runAsSuperUser/i.test(a ?? ''))).toEqual([]);
    for (const key of ['actions', 'notActions', 'notDataActions'])
      expect(permission.get(key)?.namedChildren ?? [], key).toEqual([]);
  });

  it('lets the app read and delete media blobs (read links, partial output of failed jobs) but not write any', () => {
    const file = fileAt('bicep/modules/appMediaRoles.bicep');
    const { properties, permissions } = firstCustomRole(file);
    expect(stringLiteral(properties.get('type'))).toBe('CustomRole');
    expect(properties.get('assignableScopes')?.text.replace(/\s+/g, '')).toBe('[resourceGroup().id]');
    const permission = objectProperties(permissions[0]);
    expect((permission.get('dataActions')?.namedChildren ?? []).map(stringLiteral)).toEqual([
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete',
    ]);
    for (const key of ['actions', 'notActions', 'notDataActions'])
      expect(permission.get(key)?.namedChildren ?? [], key).toEqual([]);
  });

  it('grants the worker no other data role on the media account or container', () => {
    const mediaScopes = [
      'Microsoft.Storage/storageAccounts',
      'Microsoft.Storage/storageAccounts/blobServices',
      'Microsoft.Storage/storageAccounts/blobServices/containers',
      'resourceGroup',
    ];
    const workerMediaRoles = roleAssignments()
      .filter((a) => /worker/i.test(a.principal) && mediaScopes.includes(a.scopeType ?? ''))
      .map((a) => roleName(a.role));
    expect(workerMediaRoles).toEqual(['{"custom":"mediaWriter"}', 'Storage Blob Data Reader']);
  });

  it('lets the app identity send mail through its own Communication Services resource only', () => {
    const email = roleAssignments().filter((a) => a.file.path === 'bicep/modules/communicationEmail.bicep');
    expect(
      email.map((a) => ['builtIn' in a.role ? BUILT_IN_ROLES[a.role.builtIn] : 'custom', a.scopeType, a.principal]),
    ).toEqual([
      ['Communication and Email Service Owner', 'Microsoft.Communication/communicationServices', 'appPrincipalId'],
    ]);
  });

  it('gives the app identity the media, host storage, telemetry, identity-operator, job-container, task hub and subnet roles', () => {
    const main = fileAt('bicep/main.bicep');
    expect(modulesReceiving(main, 'appIdentity.outputs.principalId')).toEqual([
      'appMediaRoles',
      'appRoles',
      'communicationEmail',
      'durableTaskScheduler',
      'jobContainerOperatorRole',
      'jobSubnet',
      'uploadRoles',
    ]);
    const app = roleAssignments()
      .filter((a) =>
        [
          'bicep/modules/appRoles.bicep',
          'bicep/modules/appMediaRoles.bicep',
          'bicep/modules/jobContainerOperatorRole.bicep',
          'bicep/modules/durableTaskScheduler.bicep',
          'bicep/modules/jobSubnet.bicep',
        ].includes(a.file.path),
      )
      .map((a) => ['builtIn' in a.role ? BUILT_IN_ROLES[a.role.builtIn] : 'custom', a.scopeType]);
    expect(app).toEqual([
      ['custom', 'Microsoft.Storage/storageAccounts/blobServices/containers'],
      ['Storage Blob Delegator', 'Microsoft.Storage/storageAccounts'],
      ['Storage Blob Data Owner', 'Microsoft.Storage/storageAccounts'],
      ['Storage Queue Data Contributor', 'Microsoft.Storage/storageAccounts'],
      ['Storage Table Data Contributor', 'Microsoft.Storage/storageAccounts'],
      ['Monitoring Metrics Publisher', 'Microsoft.Insights/components'],
      ['Managed Identity Operator', 'Microsoft.ManagedIdentity/userAssignedIdentities'],
      ['Durable Task Data Contributor', 'Microsoft.DurableTask/schedulers/taskHubs'],
      ['custom', 'resourceGroup'],
      ['custom', 'Microsoft.Network/virtualNetworks/subnets'],
    ]);
  });

  it('attaches only the app identity to the Function App', () => {
    const functionApp = fileAt('bicep/modules/functionApp.bicep');
    const [site] = resourcesOfType(functionApp, 'Microsoft.Web/sites');
    const identities = propertyAt(site?.value, 'identity', 'userAssignedIdentities');
    expect([...objectProperties(identities).keys()]).toEqual(["'${appIdentityId}'"]);
    const main = fileAt('bicep/main.bicep');
    const passed = propertyAt(declaration(main, 'module', 'functionApp').value, 'params', 'appIdentityId');
    expect(passed?.text).toBe('appIdentity.outputs.id');
  });
});
