import type { OutputSpec } from './outputSpecs.js';

/**
 * Named shorthands for common output lists; the one place presets are defined. A module of its own,
 * free of zod, so the web library's bundle can offer the choice without the schemas.
 */
export const OUTPUT_PRESETS = {
  streaming: [{ kind: 'hls' }, { kind: 'thumbnail' }, { kind: 'storyboard' }],
  archive: [{ kind: 'mp4' }, { kind: 'thumbnail' }, { kind: 'subtitles' }],
  audio: [{ kind: 'audio', format: 'm4a' }, { kind: 'thumbnail' }],
  frames: [{ kind: 'frames', everySeconds: 1 }],
} as const satisfies Record<string, readonly OutputSpec[]>;
export type OutputPresetName = keyof typeof OUTPUT_PRESETS;
