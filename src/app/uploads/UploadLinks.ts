import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  type UserDelegationKey,
} from '@azure/storage-blob';
import type { AppConfig } from '../config.js';
import { appTokenCredential } from '../jobs/appMediaBlobService.js';
import { READ_LINK_SAS_VERSION } from '../jobs/MediaReadLinks.js';
import { INCOMING_CONTAINER } from '../../shared/blobSource.js';

/** Clock skew allowed for between the app and storage. */
const START_SKEW_MS = 5 * 60_000;

export interface UploadLink {
  url: string;
  expiresAt: Date;
}

/**
 * Makes upload links: a user-delegation SAS (signed with a key the app's identity obtains, never an
 * account key) for exactly one blob in `incoming`, with create and write permission only — no read,
 * no delete, no list — so the holder can put that blob (in blocks for a large file) and nothing else.
 */
export class UploadLinks {
  constructor(
    private readonly service: BlobServiceClient,
    private readonly linkMinutes: number,
    private readonly now: () => number = Date.now,
  ) {}

  static fromConfig(
    config: Pick<
      AppConfig,
      'mediaBlobEndpoint' | 'uploadLinkMinutes' | 'appCredential' | 'appIdentityClientId'
    >,
  ): UploadLinks {
    return new UploadLinks(
      new BlobServiceClient(config.mediaBlobEndpoint, appTokenCredential(config)),
      config.uploadLinkMinutes,
    );
  }

  /** A link to create `incoming/<blobName>`; the delegation key lives exactly as long as the link. */
  async uploadLink(blobName: string): Promise<UploadLink> {
    const now = this.now();
    const startsOn = new Date(now - START_SKEW_MS);
    const expiresAt = new Date(now + this.linkMinutes * 60_000);
    const key: UserDelegationKey = await this.service.getUserDelegationKey(startsOn, expiresAt);
    const sas = generateBlobSASQueryParameters(
      {
        containerName: INCOMING_CONTAINER,
        blobName,
        permissions: BlobSASPermissions.parse('cw'),
        version: READ_LINK_SAS_VERSION,
        startsOn,
        expiresOn: expiresAt,
      },
      key,
      this.service.accountName,
    );
    const blob = this.service.getContainerClient(INCOMING_CONTAINER).getBlobClient(blobName);
    return { url: `${blob.url}?${sas.toString()}`, expiresAt };
  }
}
