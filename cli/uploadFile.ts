import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { BlockBlobClient } from '@azure/storage-blob';
import { CliError, EXIT_CODES } from './JobsApiClient.js';

/** Media types by file extension, for files given without --content-type. */
const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo',
  '.ts': 'video/mp2t',
  '.mpg': 'video/mpeg',
  '.mpeg': 'video/mpeg',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/opus',
};

export function contentTypeOf(file: string): string {
  const type = CONTENT_TYPES[extname(file).toLowerCase()];
  if (!type)
    throw new CliError(
      `Cannot tell the media type of ${file} from its extension; pass --content-type (video/* or audio/*).`,
      EXIT_CODES.badUsage,
    );
  return type;
}

export function fileSize(file: string): number {
  try {
    const stats = statSync(file);
    if (!stats.isFile()) throw new Error('not a file');
    return stats.size;
  } catch {
    throw new CliError(`${file} is not a readable file.`, EXIT_CODES.badUsage);
  }
}

/** Blocks of this size, four at a time: a large file goes up as Put Block + Put Block List. */
const BLOCK_BYTES = 8 * 1024 * 1024;

/**
 * Puts the file through the upload link with the storage SDK (the link allows nothing else), showing
 * a bar on a terminal and a line per 10 % otherwise.
 */
export async function uploadThroughLink(
  uploadUrl: string,
  file: string,
  contentType: string,
  bytes: number,
  out: NodeJS.WriteStream,
): Promise<void> {
  let lastTenth = -1;
  const show = (loaded: number) => {
    const percent = bytes > 0 ? Math.floor((loaded / bytes) * 100) : 100;
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    if (out.isTTY) {
      const filled = Math.round(percent / 5);
      out.write(
        `\ruploading [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${percent}% ${mib(loaded)}/${mib(bytes)} MiB`,
      );
    } else if (Math.floor(percent / 10) > lastTenth) {
      lastTenth = Math.floor(percent / 10);
      out.write(`uploading ${percent}% (${loaded}/${bytes} bytes)\n`);
    }
  };
  try {
    await new BlockBlobClient(uploadUrl).uploadFile(file, {
      blockSize: BLOCK_BYTES,
      maxSingleShotSize: BLOCK_BYTES,
      concurrency: 4,
      blobHTTPHeaders: { blobContentType: contentType },
      onProgress: ({ loadedBytes }) => show(loadedBytes),
    });
    show(bytes);
    if (out.isTTY) out.write('\n');
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    throw new CliError(
      `The upload was refused${status ? ` (HTTP ${status})` : ''}: ${(error as Error).message.split('\n')[0]}. ` +
        'An upload link is valid for one file and a limited time; ask for a new one by running the command again.',
      status && status < 500 ? EXIT_CODES.badUsage : EXIT_CODES.unreachable,
    );
  }
}
