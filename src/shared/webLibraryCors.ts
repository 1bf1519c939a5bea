/**
 * The one Blob CORS rule the web library needs on the media account, for the app's own origins:
 * reads for playback and downloads (hls.js fetches segments with XHR, range requests included) and
 * PUTs for uploads through their links. Bicep's rule (bicep/modules/mediaStorage.bicep) and the local
 * stack's are both checked against this.
 */
export function webLibraryCorsRule(origins: string[]) {
  return {
    allowedOrigins: origins,
    allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT'],
    allowedHeaders: ['*'],
    exposedHeaders: ['*'],
    maxAgeInSeconds: 3600,
  };
}
