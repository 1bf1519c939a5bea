import { WorkerError } from './WorkerError.js';

/**
 * Input options for every ffmpeg/ffprobe read of a downloaded file. ffmpeg detects formats by
 * content, so a "source.mp4" holding an HLS playlist, DASH manifest or concat list would make it
 * open the URLs listed there, outside the egress proxy; this confines the input (and whatever it
 * nests) to local files and pipes. Placed before each `-i` (ffmpeg) or the file (ffprobe).
 */
export const LOCAL_MEDIA_INPUT = ['-protocol_whitelist', 'file,pipe'] as const;

/** The failure when a downloaded file tried to make ffmpeg open a network URL, if that is what stderr says. */
export function networkReferenceRefused(stderrLines: readonly string[]): WorkerError | undefined {
  if (!stderrLines.some((line) => /not on whitelist/i.test(line))) return undefined;
  return new WorkerError(
    'SOURCE_ADDRESS_BLOCKED',
    'The downloaded file is a playlist or manifest that refers to other URLs; only media downloaded through the egress proxy is processed. Use the URL of the page or of the manifest itself as the source.',
  );
}
