import type { TokenCredential } from '@azure/identity';
import { AzureCliCredential, ManagedIdentityCredential } from '@azure/identity';
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  type UserDelegationKey,
} from '@azure/storage-blob';
import type { AppConfig } from '../config.js';

/** A read-only link to one blob and when it stops working. */
export interface ReadLink {
  url: string;
  expiresAt: Date;
}

/**
 * SAS service version the links are signed for. Pinned because each version changes the string to
 * sign; 2025-07-05 is served by Azure Storage and is the newest Azurite verifies (the SDK default,
 * 2026-04-06, adds a field Azurite does not know, so its links would be refused locally).
 */
export const READ_LINK_SAS_VERSION = '2025-07-05';

/** Clock skew allowed for between the app and storage: links start a little in the past. */
const START_SKEW_MS = 5 * 60_000;

/**
 * Makes read links to finished media: user-delegation SAS URLs signed with a key the app's own
 * identity obtains (`getUserDelegationKey`), never an account key. One delegation key is reused
 * while it outlives the link being made, so a job view costs no extra round trip most of the time.
 */
export class MediaReadLinks {
  private key: { value: UserDelegationKey; expiresAt: number } | undefined;

  constructor(
    private readonly service: BlobServiceClient,
    private readonly containerName: string,
    private readonly linkMinutes: number,
    private readonly now: () => number = Date.now,
  ) {}

  static fromConfig(
    config: Pick<
      AppConfig,
      'mediaBlobEndpoint' | 'mediaContainer' | 'readLinkMinutes' | 'appCredential' | 'appIdentityClientId'
    >,
  ): MediaReadLinks {
    return new MediaReadLinks(
      new BlobServiceClient(config.mediaBlobEndpoint, appTokenCredential(config)),
      config.mediaContainer,
      config.readLinkMinutes,
    );
  }

  async readLink(blobName: string): Promise<ReadLink> {
    const now = this.now();
    const expiresAt = new Date(now + this.linkMinutes * 60_000);
    const key = await this.delegationKey(now, expiresAt.getTime());
    const sas = generateBlobSASQueryParameters(
      {
        containerName: this.containerName,
        blobName,
        permissions: BlobSASPermissions.parse('r'),
        version: READ_LINK_SAS_VERSION,
        startsOn: new Date(now - START_SKEW_MS),
        expiresOn: expiresAt,
      },
      key,
      this.service.accountName,
    );
    const blob = this.service.getContainerClient(this.containerName).getBlobClient(blobName);
    return { url: `${blob.url}?${sas.toString()}`, expiresAt };
  }

  private async delegationKey(now: number, linkExpiresAt: number): Promise<UserDelegationKey> {
    if (this.key && this.key.expiresAt >= linkExpiresAt) return this.key.value;
    // Twice the link lifetime, so the next views of the same period reuse this key.
    const expiresAt = now + 2 * this.linkMinutes * 60_000;
    const value = await this.service.getUserDelegationKey(new Date(now - START_SKEW_MS), new Date(expiresAt));
    this.key = { value, expiresAt };
    return value;
  }
}

/** The app's own identity, as the settings name it (never an account key). */
export function appTokenCredential(
  config: Pick<AppConfig, 'appCredential' | 'appIdentityClientId'>,
): TokenCredential {
  if (config.appCredential === 'azurecli') return new AzureCliCredential();
  return config.appIdentityClientId
    ? new ManagedIdentityCredential({ clientId: config.appIdentityClientId })
    : new ManagedIdentityCredential();
}

let shared: MediaReadLinks | undefined;
/** The process-wide link maker, built on first use from the app settings. */
export function appMediaReadLinks(config: Parameters<typeof MediaReadLinks.fromConfig>[0]): MediaReadLinks {
  shared ??= MediaReadLinks.fromConfig(config);
  return shared;
}
