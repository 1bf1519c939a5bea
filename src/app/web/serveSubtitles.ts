import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { HttpError } from '../errors/HttpError.js';
import type { ReadLink } from '../jobs/MediaReadLinks.js';
import { signedInJobOutput } from './signedInJobOutput.js';

/** The app's URL of one language of a job's subtitles, for the player's `<track>`s. */
export function subtitlesPath(jobId: string, language: string): string {
  return `/api/web/jobs/${encodeURIComponent(jobId)}/subtitles/${encodeURIComponent(language)}`;
}

/**
 * GET /api/web/jobs/{id}/subtitles/{language}: a redirect to a fresh read link of that language's
 * WebVTT file. The job view links only the first language (an output's read link is for its main
 * file); the others sit beside it as `subtitles/<language>.vtt`. Only a language the job's result
 * lists is answered, so no other blob name can be asked for.
 */
export async function serveSubtitles(
  request: HttpRequest,
  client: Pick<DurableClient, 'getStatus'>,
  readLink: (blobName: string) => Promise<ReadLink>,
): Promise<HttpResponseInit> {
  const { output: subtitles } = await signedInJobOutput(request, client, 'subtitles');
  const language = request.params['language'] ?? '';
  if (!subtitles || !(subtitles.languages ?? []).includes(language))
    throw new HttpError(404, 'NOT_FOUND', 'This job has no subtitles in that language.', {
      retryable: false,
    });
  const folder = subtitles.blobName.slice(0, subtitles.blobName.lastIndexOf('/') + 1);
  const link = await readLink(`${folder}${language}.vtt`);
  return { status: 302, headers: { Location: link.url, 'Cache-Control': 'no-store' } };
}
