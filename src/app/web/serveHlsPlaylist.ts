import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { DurableClient } from 'durable-functions';
import type { AppConfig } from '../config.js';
import { HttpError } from '../errors/HttpError.js';
import type { ReadLink } from '../jobs/MediaReadLinks.js';
import { signedInJobOutput } from './signedInJobOutput.js';
import { PLAYLIST_PATH, rewritePlaylist } from './hlsPlaylist.js';

/** Playlists are text a few KB long; anything far larger is not one the worker wrote. */
const MAX_PLAYLIST_BYTES = 2 * 1024 * 1024;

export interface HlsPlaylistDependencies {
  config: Pick<AppConfig, 'mediaContainer'>;
  blobs: BlobServiceClient;
  readLink: (blobName: string) => Promise<ReadLink>;
}

/** The app's URL of a playlist of a job's HLS ladder (the player starts at the master's). */
export function hlsPlaylistPath(jobId: string, path: string): string {
  return `/api/web/jobs/${encodeURIComponent(jobId)}/hls/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * GET /api/web/jobs/{id}/hls/{*file}: a playlist of the signed-in user's HLS output, rewritten so
 * that every segment is a short-lived read link of its own. Someone else's job, an unknown one, a job
 * without HLS or a path outside its ladder are all 404 JOB_NOT_FOUND / NOT_FOUND.
 */
export async function serveHlsPlaylist(
  request: HttpRequest,
  client: Pick<DurableClient, 'getStatus'>,
  deps: HlsPlaylistDependencies,
): Promise<HttpResponseInit> {
  const { id, output: hls } = await signedInJobOutput(request, client, 'hls');
  const file = request.params['file'] ?? '';
  const notFound = new HttpError(404, 'NOT_FOUND', 'This job has no such HLS playlist.', {
    retryable: false,
  });
  if (!hls || !PLAYLIST_PATH.test(file)) throw notFound;
  const ladder = hls.blobName.slice(0, hls.blobName.lastIndexOf('/') + 1);
  const blob = deps.blobs.getContainerClient(deps.config.mediaContainer).getBlobClient(`${ladder}${file}`);
  let text: string;
  try {
    const properties = await blob.getProperties();
    if ((properties.contentLength ?? 0) > MAX_PLAYLIST_BYTES) throw notFound;
    text = (await blob.downloadToBuffer()).toString('utf8');
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) throw notFound;
    throw error;
  }
  const body = await rewritePlaylist(text, file, {
    playlist: (path) => hlsPlaylistPath(id, path),
    file: async (path) => (await deps.readLink(`${ladder}${path}`)).url,
  });
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/vnd.apple.mpegurl',
      // Holds read links: never kept by a shared cache, and not past the links' own expiry.
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
    body,
  };
}
