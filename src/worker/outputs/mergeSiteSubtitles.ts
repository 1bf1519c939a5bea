import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SiteSubtitle } from '../downloadMedia.js';

export interface SubtitleFile {
  path: string;
  language: string;
  bytes: number;
}

/**
 * Adds the site's subtitle files to the tracks extracted from the media as `subtitles/<language>.vtt`.
 * A site file replaces an embedded track of the same language: the site's own file is what its
 * player shows, and an embedded copy is often an older or partial one.
 */
export function mergeSiteSubtitles(
  outDir: string,
  embedded: readonly SubtitleFile[],
  site: readonly SiteSubtitle[],
): SubtitleFile[] {
  if (site.length === 0) return [...embedded];
  mkdirSync(join(outDir, 'subtitles'), { recursive: true });
  const byLanguage = new Map(embedded.map((f) => [f.language.toLowerCase(), f]));
  for (const subtitle of site) {
    const path = `subtitles/${subtitle.language}.vtt`;
    copyFileSync(subtitle.path, join(outDir, path));
    byLanguage.set(subtitle.language.toLowerCase(), {
      path,
      language: subtitle.language,
      bytes: statSync(join(outDir, path)).size,
    });
  }
  return [...byLanguage.values()].sort((a, b) => a.language.localeCompare(b.language));
}
