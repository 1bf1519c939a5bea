import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  declaration,
  declarations,
  loadTemplates,
  objectProperties,
  propertyAt,
  resourcesOfType,
  stringLiteral,
} from './bicepTemplate.js';
import { repoRoot } from '../support/repoRoot.js';

const { files, fileAt } = await loadTemplates();

const compact = (text: string | undefined) => text?.replace(/\s+/g, '');

describe('upload ingest in the templates', () => {
  it('creates a private incoming container on the media account', () => {
    const media = fileAt('bicep/modules/mediaStorage.bicep');
    const containers = resourcesOfType(media, 'Microsoft.Storage/storageAccounts/blobServices/containers');
    const incoming = containers.find((c) => c.name === 'incomingContainer');
    expect(objectProperties(incoming?.value).get('name')?.text).toBe('incomingContainerName');
    expect(stringLiteral(declaration(media, 'param', 'incomingContainerName').value)).toBe('incoming');
  });

  it('deletes incoming blobs a configurable number of days after they arrived, and nothing else by that rule', () => {
    const media = fileAt('bicep/modules/mediaStorage.bicep');
    const rule = declaration(media, 'var', 'expireIncomingRule').value;
    expect(stringLiteral(propertyAt(rule, 'name'))).toBe('expire-incoming');
    const prefixes = propertyAt(rule, 'definition', 'filters', 'prefixMatch')?.namedChildren.map((n) => n.text);
    expect(prefixes).toEqual(["'${incomingContainerName}/'"]);
    expect(propertyAt(rule, 'definition', 'actions', 'baseBlob', 'delete', 'daysAfterCreationGreaterThan')?.text).toBe(
      'incomingRetentionDays',
    );
    const [policy] = resourcesOfType(media, 'Microsoft.Storage/storageAccounts/managementPolicies');
    expect(compact(propertyAt(policy?.value, 'properties', 'policy', 'rules')?.text)).toContain('[expireIncomingRule]');
    const main = fileAt('bicep/main.bicep');
    expect(declaration(main, 'param', 'incomingRetentionDays').value?.text).toBe('7');
    expect(compact(declaration(main, 'module', 'mediaStorage').value?.text)).toContain(
      'incomingRetentionDays:incomingRetentionDays',
    );
  });

  it('puts an Event Grid system topic on the media account', () => {
    const events = fileAt('bicep/modules/uploadEvents.bicep');
    const [topic] = resourcesOfType(events, 'Microsoft.EventGrid/systemTopics');
    expect(propertyAt(topic?.value, 'properties', 'source')?.text).toBe('mediaStorage.id');
    expect(stringLiteral(propertyAt(topic?.value, 'properties', 'topicType'))).toBe('Microsoft.Storage.StorageAccounts');
    const main = fileAt('bicep/main.bicep');
    expect(propertyAt(declaration(main, 'module', 'uploadEvents').value, 'params', 'mediaStorageName')?.text).toBe(
      'mediaStorage.outputs.name',
    );
  });

  it('subscribes the upload trigger to BlobCreated under incoming/ only, with the key as a secure parameter', () => {
    const file = fileAt('bicep/modules/uploadEventSubscription.bicep');
    const [subscription] = resourcesOfType(file, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
    const properties = propertyAt(subscription?.value, 'properties');
    expect(propertyAt(properties, 'filter', 'includedEventTypes')?.namedChildren.map(stringLiteral)).toEqual([
      'Microsoft.Storage.BlobCreated',
    ]);
    expect(propertyAt(properties, 'filter', 'subjectBeginsWith')?.text).toBe(
      "'/blobServices/default/containers/${incomingContainerName}/'",
    );
    const endpoint = propertyAt(properties, 'destination', 'properties', 'endpointUrl')?.text ?? '';
    expect(endpoint).toContain('/runtime/webhooks/blobs?functionName=Host.Functions.startUploadJob&code=');
    const key = declarations(file, 'param').find((p) => p.name === 'blobsExtensionKey');
    expect(key?.node.previousSibling?.text).toBe('@secure()');
    expect(declarations(file, 'output')).toEqual([]);
  });

  it('creates the subscription after every deploy, from azd, so `azd up` stays one command', () => {
    const azure = readFileSync(join(repoRoot, 'azure.yaml'), 'utf8');
    expect(azure).toMatch(/postdeploy:[\s\S]*run: \.\/bicep\/hooks\/subscribeUploadEvents\.sh/);
    const hook = readFileSync(join(repoRoot, 'bicep/hooks/subscribeUploadEvents.sh'), 'utf8');
    expect(hook).toContain('bicep/modules/uploadEventSubscription.bicep');
    expect(hook).toContain('systemKeys.blobs_extension');
    // The key goes through a private parameters file, never the command line or the log.
    expect(hook).not.toMatch(/echo[^\n]*KEY/);
    expect(hook).toContain('umask 077');
  });

  it('gives the app identity create/write and read on incoming only (the delegator role once, from appMediaRoles)', () => {
    const file = fileAt('bicep/modules/uploadRoles.bicep');
    const assignments = resourcesOfType(file, 'Microsoft.Authorization/roleAssignments').map((a) => [
      a.name,
      objectProperties(a.value).get('scope')?.text,
    ]);
    expect(assignments).toEqual([
      ['incomingSigner', 'incomingContainer'],
      ['incomingReader', 'incomingContainer'],
    ]);
    const [signer] = resourcesOfType(file, 'Microsoft.Authorization/roleDefinitions');
    const dataActions = propertyAt(signer?.value, 'properties', 'permissions')
      ?.namedChildren.flatMap((p) => objectProperties(p).get('dataActions')?.namedChildren ?? [])
      .map(stringLiteral);
    expect(dataActions).toEqual([
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action',
    ]);
    // The user delegation key is one account-level role, assigned in one place only.
    const delegators = files.flatMap((f) =>
      resourcesOfType(f, 'Microsoft.Authorization/roleAssignments').filter((a) =>
        /storageBlobDelegatorRoleId/.test(a.value?.text ?? ''),
      ),
    );
    expect(delegators).toHaveLength(1);
    const incoming = declarations(file, 'resource').find((d) => d.name === 'incomingContainer');
    expect(objectProperties(incoming?.value).get('name')?.text).toBe('incomingContainerName');
  });

  it('connects the upload trigger to the media account with the app identity', () => {
    const functionApp = fileAt('bicep/modules/functionApp.bicep');
    const settings = compact(declaration(functionApp, 'var', 'jobSettings').value?.text) ?? '';
    expect(settings).toContain('MediaStorage__blobServiceUri:mediaBlobEndpoint');
    expect(settings).toContain("MediaStorage__credential:'managedidentity'");
    expect(settings).toContain('MediaStorage__clientId:appIdentityClientId');
  });
});
