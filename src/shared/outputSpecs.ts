import { z } from 'zod';
import { OUTPUT_PRESETS, type OutputPresetName } from './outputPresets.js';

/** Heights a streaming ladder may name (the short side for portrait video). */
export const LADDER_HEIGHTS = [2160, 1440, 1080, 720, 480, 360, 240, 144] as const;
export const DEFAULT_LADDER_HEIGHTS = [1080, 720, 480, 360] as const;
/** Most JPEG frames one job may extract; more is refused before anything starts. */
export const MAX_FRAME_COUNT = 3600;
/** Most tiles in a storyboard sprite; the default interval keeps a job under it. */
export const MAX_STORYBOARD_TILES = 100;

const ladderHeights = z
  .array(
    z
      .number()
      .int()
      .refine((h) => (LADDER_HEIGHTS as readonly number[]).includes(h), {
        message: `must be one of ${LADDER_HEIGHTS.join(', ')}`,
      }),
  )
  .min(1)
  .max(LADDER_HEIGHTS.length)
  .superRefine((heights, ctx) => {
    heights.forEach((h, i) => {
      if (heights.indexOf(h) !== i)
        ctx.addIssue({ code: 'custom', message: `height ${h} is listed twice`, path: [i] });
    });
  });

const ladderOptions = {
  heights: ladderHeights.optional(),
  segmentSeconds: z.number().int().min(2).max(12).optional(),
};

export const mp4OutputSpecSchema = z.strictObject({ kind: z.literal('mp4') });
export const hlsOutputSpecSchema = z.strictObject({ kind: z.literal('hls'), ...ladderOptions });
export const dashOutputSpecSchema = z.strictObject({ kind: z.literal('dash'), ...ladderOptions });
export const thumbnailOutputSpecSchema = z.strictObject({
  kind: z.literal('thumbnail'),
  atSeconds: z
    .number()
    .min(0)
    .max(24 * 3600)
    .optional(),
  width: z.number().int().min(16).max(3840).optional(),
});
export const storyboardOutputSpecSchema = z.strictObject({
  kind: z.literal('storyboard'),
  everySeconds: z.number().min(0.5).max(3600).optional(),
  tileWidth: z.number().int().min(64).max(480).optional(),
});
export const framesOutputSpecSchema = z
  .strictObject({
    kind: z.literal('frames'),
    everySeconds: z.number().min(0.1).max(3600).optional(),
    count: z.number().int().min(1).max(MAX_FRAME_COUNT).optional(),
    width: z.number().int().min(16).max(3840).optional(),
  })
  .refine((spec) => spec.everySeconds === undefined || spec.count === undefined, {
    message: 'give either everySeconds or count, not both',
    path: ['count'],
  });
export const audioOutputSpecSchema = z.strictObject({
  kind: z.literal('audio'),
  format: z.enum(['m4a', 'mp3']).optional(),
});
export const subtitlesOutputSpecSchema = z.strictObject({
  kind: z.literal('subtitles'),
  languages: z
    .array(
      z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/, 'a language tag such as "en" or "pt-BR"'),
    )
    .min(1)
    .max(20)
    .optional(),
  /** Also take the site's automatic (machine-generated) captions; off unless asked for. */
  auto: z.boolean().optional(),
});

export const OUTPUT_KINDS = [
  'mp4',
  'hls',
  'dash',
  'thumbnail',
  'storyboard',
  'frames',
  'audio',
  'subtitles',
] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

const specByKind = {
  mp4: mp4OutputSpecSchema,
  hls: hlsOutputSpecSchema,
  dash: dashOutputSpecSchema,
  thumbnail: thumbnailOutputSpecSchema,
  storyboard: storyboardOutputSpecSchema,
  frames: framesOutputSpecSchema,
  audio: audioOutputSpecSchema,
  subtitles: subtitlesOutputSpecSchema,
} as const;

export const outputSpecSchema = z.union([
  mp4OutputSpecSchema,
  hlsOutputSpecSchema,
  dashOutputSpecSchema,
  thumbnailOutputSpecSchema,
  storyboardOutputSpecSchema,
  framesOutputSpecSchema,
  audioOutputSpecSchema,
  subtitlesOutputSpecSchema,
]);
export type OutputSpec = z.infer<typeof outputSpecSchema>;
export type OutputSpecOf<K extends OutputKind> = Extract<OutputSpec, { kind: K }>;

/**
 * One element of `outputs`, validated by its kind so a problem points at the exact option
 * (`outputs[2].heights[0]`) rather than at a union that matched nothing.
 */
const outputElementSchema = z.unknown().transform((value, ctx): OutputSpec => {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'each output is an object with a "kind"' });
    return z.NEVER;
  }
  if (typeof kind !== 'string' || !(OUTPUT_KINDS as readonly string[]).includes(kind)) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown kind; use one of ${OUTPUT_KINDS.join(', ')}`,
      path: ['kind'],
      params: { code: 'UNKNOWN_OUTPUT_KIND' },
    });
    return z.NEVER;
  }
  const parsed = specByKind[kind as OutputKind].safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys')
      ctx.addIssue({
        code: 'custom',
        message: `unknown option(s) for ${kind}: ${issue.keys.join(', ')}`,
        path: [...issue.path, issue.keys[0] ?? ''],
        params: { code: 'UNKNOWN_FIELD' },
      });
    else ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  }
  return z.NEVER;
});

export const outputSpecListSchema = z
  .array(outputElementSchema)
  .min(1)
  .max(OUTPUT_KINDS.length)
  .superRefine((specs, ctx) => {
    const seen = new Set<string>();
    specs.forEach((spec, i) => {
      if (seen.has(spec.kind))
        ctx.addIssue({
          code: 'custom',
          message: `kind "${spec.kind}" is asked for twice; each kind may appear once`,
          path: [i, 'kind'],
          params: { code: 'DUPLICATE_OUTPUT_KIND' },
        });
      seen.add(spec.kind);
    });
  });

export { OUTPUT_PRESETS, type OutputPresetName };
export const outputPresetSchema = z.enum(
  Object.keys(OUTPUT_PRESETS) as [OutputPresetName, ...OutputPresetName[]],
);

export const DEFAULT_OUTPUTS: readonly OutputSpec[] = [{ kind: 'mp4' }];

/** The outputs a request stands for: its list, its preset's list, or today's single MP4. */
export function resolveOutputs(request: { outputs?: OutputSpec[]; preset?: OutputPresetName }): OutputSpec[] {
  if (request.outputs) return request.outputs;
  if (request.preset) return OUTPUT_PRESETS[request.preset].map((spec) => ({ ...spec }) as OutputSpec);
  return DEFAULT_OUTPUTS.map((spec) => ({ ...spec }));
}

/** True for the historical job shape: one MP4 and nothing else (it keeps its historical blob name). */
export function isMp4Only(outputs: readonly OutputSpec[]): boolean {
  return outputs.length === 1 && outputs[0]?.kind === 'mp4';
}

/** Request-level checks that need more than one field (the frame bound against the duration limit). */
export function checkOutputLimits(
  outputs: readonly OutputSpec[],
  maxDurationSeconds: number | undefined,
): { path: (string | number)[]; message: string } | undefined {
  const index = outputs.findIndex((spec) => spec.kind === 'frames');
  const frames = outputs[index];
  if (frames?.kind !== 'frames' || frames.count !== undefined || maxDurationSeconds === undefined)
    return undefined;
  const every = frames.everySeconds ?? 1;
  if (maxDurationSeconds / every > MAX_FRAME_COUNT)
    return {
      path: ['outputs', index, 'everySeconds'],
      message: `one frame every ${every} s over up to ${maxDurationSeconds} s is more than ${MAX_FRAME_COUNT} frames; raise everySeconds, lower maxDurationSeconds or give count`,
    };
  return undefined;
}

/** Facts each output entry of a result may carry, by kind. */
export const ladderRungSchema = z.strictObject({
  name: z.string().max(20),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bandwidth: z.number().int().positive(),
});
export type LadderRung = z.infer<typeof ladderRungSchema>;

export const jobOutputFactsShape = {
  kind: z.enum(OUTPUT_KINDS).optional(),
  /** Number of blobs written for this output (segments, playlists, ...). */
  files: z.number().int().positive().max(100_000).optional(),
  rungs: z.array(ladderRungSchema).max(LADDER_HEIGHTS.length).optional(),
  segmentSeconds: z.number().positive().max(60).optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  frameCount: z.number().int().nonnegative().max(MAX_FRAME_COUNT).optional(),
  tile: z
    .strictObject({
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      columns: z.number().int().positive(),
      rows: z.number().int().positive(),
      count: z.number().int().positive().max(MAX_STORYBOARD_TILES),
      everySeconds: z.number().positive(),
    })
    .optional(),
  /** The storyboard's WebVTT track beside its sprite. */
  trackBlobName: z.string().min(1).max(1024).optional(),
  languages: z.array(z.string().max(40)).max(50).optional(),
  format: z.enum(['m4a', 'mp3']).optional(),
  note: z.string().max(200).optional(),
};

export const missingOutputSchema = z.strictObject({
  kind: z.enum(OUTPUT_KINDS),
  message: z.string().max(300),
});
export type MissingOutput = z.infer<typeof missingOutputSchema>;
