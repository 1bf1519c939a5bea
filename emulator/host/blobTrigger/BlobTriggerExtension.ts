import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { BlobItem, BlobServiceClient } from '@azure/storage-blob';
import type { FunctionHost, HostExtension, RegisteredFunction, TypedData } from '../extension.js';
import { blobServiceClientFor } from './blobConnection.js';
import { BlobReceipts, MAX_ATTEMPTS } from './BlobReceipts.js';
import { parseBlobPathPattern, type BlobPathPattern } from './blobPathPattern.js';

export interface BlobTriggerOptions {
  dataDir: string;
  /** How often each watched container is listed; MEDIAFERRY_BLOB_POLL_MS, else 2 s. */
  pollIntervalMs?: number;
  env?: NodeJS.ProcessEnv;
}

interface Watch {
  fn: RegisteredFunction;
  pattern: BlobPathPattern;
  service: BlobServiceClient;
  receipts: BlobReceipts;
  /** The last listing problem logged, so a missing container is reported once, not every poll. */
  lastProblem?: string;
}

/**
 * Runs `blobTrigger` functions (`app.storageBlob`, with `source: 'EventGrid'` or the classic polling
 * source) against any Blob endpoint, Azurite included, which emits no events: each watched container
 * is listed every poll interval and each new blob version (by ETag) is delivered once, in the shape the
 * Functions host gives it — the content as bytes, with `BlobTrigger`, `Uri`, `Properties`, `Metadata`
 * and the path pattern's parts as trigger metadata. Delivered versions are kept in a persisted
 * cursor under the data dir, so a restart neither misses nor repeats a blob.
 */
export function createBlobTriggerExtension(options: BlobTriggerOptions): HostExtension {
  const env = options.env ?? process.env;
  const pollIntervalMs = options.pollIntervalMs ?? (Number(env['MEDIAFERRY_BLOB_POLL_MS']) || 2000);
  const watches: Watch[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let polling: Promise<void> | undefined;
  let host: FunctionHost | undefined;

  async function deliver(watch: Watch, item: BlobItem, bindingData: Record<string, string>): Promise<void> {
    const blob = watch.service.getContainerClient(watch.pattern.container).getBlobClient(item.name);
    const etag = item.properties.etag ?? '';
    const path = `${watch.pattern.container}/${item.name}`;
    let content: Buffer;
    try {
      content = await blob.downloadToBuffer(0, undefined, { conditions: { ifMatch: etag } });
    } catch (error) {
      // Deleted or rewritten since the listing: the next poll sees what is there now.
      host?.log('debug', `Blob ${path} changed before it could be read: ${(error as Error).message}`);
      return;
    }
    const properties = {
      BlobType: item.properties.blobType,
      ContentLength: item.properties.contentLength,
      ContentType: item.properties.contentType,
      ContentMD5: item.properties.contentMD5
        ? Buffer.from(item.properties.contentMD5).toString('base64')
        : undefined,
      // Quoted, as the HTTP header (and the Functions host's BlobProperties) carries it.
      ETag: etag.startsWith('"') ? etag : `"${etag}"`,
      CreatedOn: item.properties.createdOn?.toISOString(),
      LastModified: item.properties.lastModified.toISOString(),
      AccessTier: item.properties.accessTier,
    };
    const metadata: Record<string, TypedData> = {
      BlobTrigger: { string: path },
      Uri: { string: blob.url },
      Properties: { json: JSON.stringify(properties) },
      Metadata: { json: JSON.stringify(item.metadata ?? {}) },
      ...Object.fromEntries(Object.entries(bindingData).map(([key, value]) => [key, { string: value }])),
    };
    const outcome = await host!.invoke(watch.fn.name, { data: { bytes: content }, metadata });
    const failures = watch.receipts.record(item.name, etag, !outcome.error);
    if (outcome.error && failures >= MAX_ATTEMPTS)
      host?.log(
        'error',
        `Function "${watch.fn.name}" failed ${failures} times for blob ${path}; it is not delivered again (as the Storage extension moves it to webjobs-blobtrigger-poison).`,
      );
  }

  async function pollOnce(watch: Watch): Promise<void> {
    const container = watch.service.getContainerClient(watch.pattern.container);
    const present = new Set<string>();
    const due: { item: BlobItem; bindingData: Record<string, string> }[] = [];
    try {
      for await (const item of container.listBlobsFlat({
        includeMetadata: true,
        ...(watch.pattern.prefix ? { prefix: watch.pattern.prefix } : {}),
      })) {
        present.add(item.name);
        const bindingData = watch.pattern.match(item.name);
        if (!bindingData) continue;
        if (watch.receipts.pending(item.name, item.properties.etag ?? '')) due.push({ item, bindingData });
      }
      watch.lastProblem = undefined;
    } catch (error) {
      const problem = `Function "${watch.fn.name}": listing ${watch.pattern.container} failed: ${(error as Error).message.split('\n')[0]}`;
      if (problem !== watch.lastProblem) host?.log('warning', problem);
      watch.lastProblem = problem;
      return;
    }
    // Oldest first, as the blobs arrived.
    due.sort((a, b) => a.item.properties.lastModified.getTime() - b.item.properties.lastModified.getTime());
    for (const { item, bindingData } of due) {
      if (stopped) return;
      await deliver(watch, item, bindingData);
    }
    watch.receipts.forgetAllBut(present);
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      polling = Promise.all(watches.map((watch) => pollOnce(watch))).then(
        () => schedule(),
        (error: unknown) => {
          host?.log('error', `The blob trigger poll failed: ${(error as Error).message}`);
          schedule();
        },
      );
    }, pollIntervalMs);
  }

  return {
    name: 'blobs',
    triggerTypes: ['blobTrigger'],
    inputBindingTypes: [],
    provideInput() {
      throw new Error('The blob trigger extension fills no input bindings.');
    },
    async start(started) {
      host = started;
      for (const fn of started.functions.values()) {
        if (fn.trigger.type.toLowerCase() !== 'blobtrigger') continue;
        const pattern = parseBlobPathPattern(String(fn.trigger['path'] ?? ''));
        const connection = String(fn.trigger['connection'] ?? '') || 'AzureWebJobsStorage';
        const id = createHash('sha256')
          .update(`${fn.name}\n${String(fn.trigger['path'])}`)
          .digest('hex')
          .slice(0, 16);
        let service: BlobServiceClient;
        try {
          service = blobServiceClientFor(connection, env);
        } catch (error) {
          // The missing setting is reported at start like the Functions host's indexing error.
          started.log('warning', `Function "${fn.name}" is not watched: ${(error as Error).message}`);
          continue;
        }
        watches.push({
          fn,
          pattern,
          service,
          receipts: new BlobReceipts(join(options.dataDir, 'blob-triggers', `${fn.name}-${id}.json`)),
        });
        started.log(
          'information',
          `Function "${fn.name}": watching ${pattern.container}/${pattern.prefix}… every ${pollIntervalMs} ms (source ${String(fn.trigger['source'] ?? 'LogsAndContainerScan')}).`,
        );
      }
      if (watches.length > 0) schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await polling;
    },
  };
}
