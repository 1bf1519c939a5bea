import * as df from 'durable-functions';
import { getConfig } from '../config.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { appMediaBlobService } from '../jobs/appMediaBlobService.js';
import { appMediaReadLinks } from '../jobs/MediaReadLinks.js';
import { serveHlsPlaylist } from '../web/serveHlsPlaylist.js';
import { serveSubtitles } from '../web/serveSubtitles.js';
import { asPageRequest } from '../webApi/pageRequests.js';

// The player's HLS playlists, every segment signed on the way (src/app/web/serveHlsPlaylist.ts).
df.app.client.http(FUNCTION_NAMES.webHlsPlaylist, {
  route: 'api/web/jobs/{id}/hls/{*file}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: (request, client, context) =>
    asPageRequest(request, context, () => {
      const config = getConfig();
      const links = appMediaReadLinks(config);
      return serveHlsPlaylist(request, client, {
        config,
        blobs: appMediaBlobService(config),
        readLink: (blobName) => links.readLink(blobName),
      });
    }),
});

// Every language of a job's subtitles, each a redirect to its own read link.
df.app.client.http(FUNCTION_NAMES.webSubtitles, {
  route: 'api/web/jobs/{id}/subtitles/{language}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: (request, client, context) =>
    asPageRequest(request, context, () => {
      const links = appMediaReadLinks(getConfig());
      return serveSubtitles(request, client, (blobName) => links.readLink(blobName));
    }),
});
