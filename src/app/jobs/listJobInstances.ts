import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { HttpError } from '../errors/HttpError.js';

export interface InstancePageQuery {
  runtimeStatus?: readonly string[];
  createdFrom?: Date;
  createdTo?: Date;
  /** Only instances whose id starts with this (a signed-in user's owner prefix). */
  instanceIdPrefix?: string;
  top: number;
  continuationToken?: string;
}

export interface InstancePage {
  instances: DurableOrchestrationStatus[];
  continuationToken: string | null;
}

const CONTINUATION_HEADER = 'x-ms-continuation-token';

/**
 * One page of instances from the Durable extension's query API: the same endpoint and filters the
 * client's `getStatusBy` uses, but one `top`-sized page per call with the continuation token handed
 * back, because `getStatusBy` follows every token and so reads the whole task hub into memory.
 */
export async function listJobInstances(
  client: DurableClient,
  query: InstancePageQuery,
  fetchImpl: typeof fetch = fetch,
): Promise<InstancePage> {
  // The RPC base is part of the client's binding data; the typings do not expose it.
  const rpcBaseUrl = (client as unknown as { clientData?: { rpcBaseUrl?: string } }).clientData?.rpcBaseUrl;
  if (!rpcBaseUrl)
    throw new Error('The durable client binding carries no rpcBaseUrl; cannot page instances.');
  const url = new URL('instances/', rpcBaseUrl);
  url.searchParams.set('top', String(query.top));
  url.searchParams.set('showInput', 'true');
  if (query.runtimeStatus?.length) url.searchParams.set('runtimeStatus', query.runtimeStatus.join(','));
  if (query.createdFrom) url.searchParams.set('createdTimeFrom', query.createdFrom.toISOString());
  if (query.createdTo) url.searchParams.set('createdTimeTo', query.createdTo.toISOString());
  if (query.instanceIdPrefix) url.searchParams.set('instanceIdPrefix', query.instanceIdPrefix);
  const response = await fetchImpl(url, {
    headers: query.continuationToken ? { [CONTINUATION_HEADER]: query.continuationToken } : {},
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status === 400 && query.continuationToken)
    throw new HttpError(
      400,
      'INVALID_CONTINUATION_TOKEN',
      'The continuationToken is not one this API returned; start again without it.',
      { retryable: false, field: 'continuationToken' },
    );
  if (!response.ok)
    throw new Error(`The durable instance query answered HTTP ${response.status}: ${await response.text()}`);
  const instances = (await response.json()) as DurableOrchestrationStatus[];
  const next = response.headers.get(CONTINUATION_HEADER);
  return { instances, continuationToken: next && next !== 'null' ? next : null };
}
