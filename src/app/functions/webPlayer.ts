import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import * as df from 'durable-functions';
import { getConfig, type AppConfig } from '../config.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { appMediaBlobService } from '../jobs/appMediaBlobService.js';
import { appMediaReadLinks, type ReadLink } from '../jobs/MediaReadLinks.js';
import { serveHlsPlaylist } from '../web/serveHlsPlaylist.js';
import { serveSubtitles } from '../web/serveSubtitles.js';
import { asPageRequest } from '../webApi/pageRequests.js';

/** A GET route of the player, answered as a page request with fresh read links of the job's media. */
function playerRoute(
  functionName: string,
  route: string,
  serve: (
    request: HttpRequest,
    client: df.DurableClient,
    config: AppConfig,
    readLink: (blobName: string) => Promise<ReadLink>,
  ) => Promise<HttpResponseInit>,
): void {
  df.app.client.http(functionName, {
    route,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, client, context) =>
      asPageRequest(request, context, () => {
        const config = getConfig();
        const links = appMediaReadLinks(config);
        return serve(request, client, config, (blobName) => links.readLink(blobName));
      }),
  });
}

// The player's HLS playlists, every segment signed on the way (src/app/web/serveHlsPlaylist.ts).
playerRoute(
  FUNCTION_NAMES.webHlsPlaylist,
  'api/web/jobs/{id}/hls/{*file}',
  (request, client, config, readLink) =>
    serveHlsPlaylist(request, client, { config, blobs: appMediaBlobService(config), readLink }),
);

// Every language of a job's subtitles, each a redirect to its own read link.
playerRoute(
  FUNCTION_NAMES.webSubtitles,
  'api/web/jobs/{id}/subtitles/{language}',
  (request, client, _config, readLink) => serveSubtitles(request, client, readLink),
);
