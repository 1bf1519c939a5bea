import { createWriteStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

/**
 * Packs the extracted JPEG frames into one ZIP, in frame order. JPEGs are already compressed, so
 * entries are stored, not deflated: zipping costs a file copy, not CPU. Returns the frame count.
 */
export async function zipFrames(framesDir: string, zipPath: string, signal: AbortSignal): Promise<number> {
  const names = readdirSync(framesDir)
    .filter((name) => name.endsWith('.jpg'))
    .sort();
  const zip = new ZipFile();
  // A fixed time keeps the archive identical for identical frames.
  const mtime = new Date(Date.UTC(2020, 0, 1));
  for (const name of names) zip.addFile(join(framesDir, name), name, { compress: false, mtime });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath), { signal });
  return names.length;
}
