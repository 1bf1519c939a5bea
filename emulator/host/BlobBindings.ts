import { ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient, RestError } from '@azure/storage-blob';
import type { BindingInfo, TypedData } from './extension.js';
import { BlobBindingError } from './BlobBindingError.js';
import { resolveBindingExpression, type BindingData } from './bindingExpressions.js';
import { typedDataToBytes } from './rpcTypedData.js';

/** `input.storageBlob` / `output.storageBlob` of @azure/functions v4 (type `blob`, not the trigger). */
export function isBlobBinding(binding: BindingInfo): boolean {
  return binding.type.toLowerCase() === 'blob';
}

/**
 * Blob input and output bindings against the binding's storage connection (Azurite locally), with
 * the real @azure/storage-blob client. Inputs are read before the function runs; outputs are written
 * after it returns successfully, creating the container when it does not exist, as the Storage
 * extension does.
 */
export class BlobBindings {
  readonly #clients = new Map<string, BlobServiceClient>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /**
   * The blob's content as RPC data: text for `dataType: 'string'`, bytes otherwise. A blob that does
   * not exist gives an empty value (the host's null), so the function still runs.
   */
  async read(
    functionName: string,
    bindingName: string,
    binding: BindingInfo,
    bindingData: BindingData,
  ): Promise<TypedData | Record<string, never>> {
    const { container, blob, path } = this.#target(functionName, bindingName, binding, bindingData);
    const client = this.#client(functionName, bindingName, binding);
    try {
      const content = await client.getContainerClient(container).getBlobClient(blob).downloadToBuffer();
      return String(binding['dataType'] ?? '').toLowerCase() === 'string'
        ? { string: content.toString('utf8') }
        : { bytes: new Uint8Array(content.buffer, content.byteOffset, content.byteLength) };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return {};
      throw storageFailure(functionName, bindingName, `reading blob '${path}'`, error);
    }
  }

  /** Writes what the function set on an output binding (string, Buffer, or JSON for an object). */
  async write(
    functionName: string,
    bindingName: string,
    binding: BindingInfo,
    bindingData: BindingData,
    data: unknown,
  ): Promise<void> {
    const { container, blob, path } = this.#target(functionName, bindingName, binding, bindingData);
    const client = this.#client(functionName, bindingName, binding);
    const bytes = typedDataToBytes(data);
    try {
      const containerClient = client.getContainerClient(container);
      await containerClient.createIfNotExists();
      await containerClient.getBlockBlobClient(blob).uploadData(bytes);
    } catch (error) {
      throw storageFailure(functionName, bindingName, `writing blob '${path}'`, error);
    }
  }

  #target(
    functionName: string,
    bindingName: string,
    binding: BindingInfo,
    bindingData: BindingData,
  ): { container: string; blob: string; path: string } {
    const template = typeof binding['path'] === 'string' ? binding['path'] : '';
    const path = resolveBindingExpression(template, bindingData, this.env).replace(/^\/+/, '');
    const slash = path.indexOf('/');
    if (slash <= 0 || slash === path.length - 1) {
      throw new BlobBindingError(
        `Function "${functionName}", binding "${bindingName}": Invalid blob path specified : '${path}'. ` +
          "Blob identifiers must be in the format 'container/blob'.",
        false,
      );
    }
    return { container: path.slice(0, slash), blob: path.slice(slash + 1), path };
  }

  #client(functionName: string, bindingName: string, binding: BindingInfo): BlobServiceClient {
    const declared = typeof binding['connection'] === 'string' ? binding['connection'].trim() : '';
    const connection = declared || 'AzureWebJobsStorage';
    const cached = this.#clients.get(connection);
    if (cached) return cached;
    const client = blobServiceClientFor(connection, this.env);
    if (!client) {
      throw new BlobBindingError(
        `Function "${functionName}", binding "${bindingName}": the storage connection '${connection}' ` +
          `does not exist. Make sure that it is a defined App Setting (${connection} with a connection ` +
          `string, or ${connection}__blobServiceUri for an identity-based connection).`,
        false,
      );
    }
    this.#clients.set(connection, client);
    return client;
  }
}

/**
 * A client for a named storage connection, found as the host finds it: a connection string in
 * `<name>` or `AzureWebJobs<name>`, else identity-based `<name>__blobServiceUri` / `__serviceUri` /
 * `__accountName` with managed identity (`__clientId` for a user-assigned one).
 */
export function blobServiceClientFor(
  connection: string,
  env: NodeJS.ProcessEnv,
): BlobServiceClient | undefined {
  const setting = (name: string) => {
    const key = Object.keys(env).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    const value = key === undefined ? undefined : env[key]?.trim();
    return value ? value : undefined;
  };
  const connectionString = setting(connection) ?? setting(`AzureWebJobs${connection}`);
  if (connectionString) return BlobServiceClient.fromConnectionString(connectionString);
  const accountName = setting(`${connection}__accountName`);
  const serviceUri =
    setting(`${connection}__blobServiceUri`) ??
    setting(`${connection}__serviceUri`) ??
    (accountName ? `https://${accountName}.blob.core.windows.net` : undefined);
  if (!serviceUri) return undefined;
  const clientId = setting(`${connection}__clientId`);
  return new BlobServiceClient(
    serviceUri,
    clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential(),
  );
}

function storageFailure(
  functionName: string,
  bindingName: string,
  what: string,
  error: unknown,
): BlobBindingError {
  const status = error instanceof RestError ? error.statusCode : undefined;
  const retryable = status === undefined || status === 408 || status === 429 || status >= 500;
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new BlobBindingError(
    `Function "${functionName}", binding "${bindingName}": ${what} failed${status ? ` (${status})` : ''}: ${detail}`,
    retryable,
    { cause: error },
  );
}
