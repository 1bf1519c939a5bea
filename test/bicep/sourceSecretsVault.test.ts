import { describe, expect, it } from 'vitest';
import {
  callArguments,
  declaration,
  declarations,
  loadTemplates,
  objectProperties,
  resourcesOfType,
  stringLiteral,
} from './bicepTemplate.js';
import { SOURCE_SECRET_NAMES } from '../../src/shared/workerEnvironment.js';

const SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';

const { files, main, fileAt } = await loadTemplates();
const module = fileAt('bicep/modules/sourceSecrets.bicep');

const properties = (node: Parameters<typeof objectProperties>[0]) =>
  objectProperties(objectProperties(node).get('properties'));

/** `var x = '…'` values of the module, so names given through a variable can be compared. */
function variableValue(name: string | undefined): string | undefined {
  const found = declarations(module, 'var').find((d) => d.name === name);
  return stringLiteral(found?.value);
}

describe('source secrets vault (bicep/modules/sourceSecrets.bicep)', () => {
  it('creates one Key Vault that authorises with Azure RBAC only', () => {
    const vaults = files.flatMap((file) => resourcesOfType(file, 'Microsoft.KeyVault/vaults').filter((r) => !r.existing));
    expect(vaults.map((v) => v.name)).toEqual(['vault']);
    const vaultProperties = properties(vaults[0]!.value);
    expect(vaultProperties.get('enableRbacAuthorization')?.text).toBe('true');
    expect(vaultProperties.has('accessPolicies')).toBe(false);
  });

  it('holds the two secrets the worker reads, with no value but an empty one', () => {
    const created = resourcesOfType(module, 'Microsoft.KeyVault/vaults/secrets').filter((r) => !r.existing);
    const names = created.map((r) => variableValue(objectProperties(r.value).get('name')?.text));
    expect(names.sort()).toEqual(Object.values(SOURCE_SECRET_NAMES).sort());
    for (const secret of created) {
      expect(stringLiteral(properties(secret.value).get('value')), secret.name).toBe('');
      // Only on the first deployment, so a redeploy keeps what the operator set.
      expect(secret.condition?.text, secret.name).toContain('createEmptySecrets');
    }
    expect(declarations(module, 'param').some((p) => /@secure\(\)/.test(p.node.previousSibling?.text ?? ''))).toBe(false);
  });

  it('lets the worker identity read each secret through a secret-level Key Vault Secrets User assignment, and nobody else', () => {
    const assignments = resourcesOfType(module, 'Microsoft.Authorization/roleAssignments');
    expect(assignments.length).toBe(2);
    const scopes = assignments.map((assignment) => {
      const scope = objectProperties(assignment.value).get('scope')?.text;
      const target = declarations(module, 'resource').find((d) => d.name === scope);
      expect(target?.target?.split('@')[0], assignment.name).toBe('Microsoft.KeyVault/vaults/secrets');
      const assigned = properties(assignment.value);
      expect(assigned.get('principalId')?.text, assignment.name).toBe('workerPrincipalId');
      const role = assigned.get('roleDefinitionId');
      expect(variableValue(role && callArguments(role)[1]?.text), assignment.name).toBe(SECRETS_USER);
      return variableValue(objectProperties(target?.value).get('name')?.text);
    });
    expect(scopes.sort()).toEqual(Object.values(SOURCE_SECRET_NAMES).sort());
    // The only principal the module takes is the worker's.
    expect(declarations(module, 'param').filter((p) => /principal/i.test(p.name)).map((p) => p.name)).toEqual([
      'workerPrincipalId',
    ]);
  });

  it('is given the worker identity, and no Key Vault role is granted anywhere else', () => {
    const wired = declaration(main, 'module', 'sourceSecrets');
    expect(objectProperties(objectProperties(wired.value).get('params')).get('workerPrincipalId')?.text).toBe(
      'workerIdentity.outputs.principalId',
    );
    const elsewhere = files
      .filter((file) => file !== module)
      .filter((file) => file.source.includes(SECRETS_USER) || /Microsoft\.KeyVault\/vaults/.test(file.source))
      .map((file) => file.path);
    expect(elsewhere).toEqual([]);
  });

  it('passes the vault URI to the app as SOURCE_SECRETS_VAULT_URI', () => {
    const app = declaration(main, 'module', 'functionApp');
    expect(objectProperties(objectProperties(app.value).get('params')).get('sourceSecretsVaultUri')?.text).toBe(
      'sourceSecrets.outputs.vaultUri',
    );
    expect(fileAt('bicep/modules/functionApp.bicep').source).toMatch(
      /^\s*SOURCE_SECRETS_VAULT_URI: sourceSecretsVaultUri$/m,
    );
  });
});
