import { describe, expect, it } from 'vitest';
import { parseJobRequest } from '../../src/shared/contracts.js';
import { OUTPUT_PRESETS, outputSpecListSchema, resolveOutputs } from '../../src/shared/outputSpecs.js';
import { loadWorkerSettings } from '../../src/worker/loadWorkerSettings.js';

const policy = { allowPrivateSources: false };
const url = 'https://example.com/v';

function problemOf(body: Record<string, unknown>) {
  const parsed = parseJobRequest({ url, ...body }, policy);
  if (parsed.ok) throw new Error(`accepted ${JSON.stringify(body)}`);
  return parsed.problem;
}

describe('job request outputs', () => {
  it('keeps a request without outputs as one MP4, and accepts every kind with its options', () => {
    const plain = parseJobRequest({ url }, policy);
    expect(plain).toEqual({ ok: true, request: { url } });
    expect(resolveOutputs({})).toEqual([{ kind: 'mp4' }]);
    const outputs = [
      { kind: 'mp4' },
      { kind: 'hls', heights: [720, 360], segmentSeconds: 4 },
      { kind: 'dash' },
      { kind: 'thumbnail', atSeconds: 2.5, width: 640 },
      { kind: 'storyboard', everySeconds: 2, tileWidth: 160 },
      { kind: 'frames', count: 10 },
      { kind: 'audio', format: 'mp3' },
      { kind: 'subtitles', languages: ['en', 'pt-BR'] },
    ];
    expect(parseJobRequest({ url, outputs }, policy)).toEqual({ ok: true, request: { url, outputs } });
  });

  it('points at the exact element and option that is wrong', () => {
    expect(
      problemOf({ outputs: [{ kind: 'mp4' }, { kind: 'thumbnail' }, { kind: 'hls', heights: [700] }] }),
    ).toMatchObject({
      code: 'INVALID_FIELD',
      field: 'outputs[2].heights[0]',
    });
    expect(problemOf({ outputs: [{ kind: 'hls', heights: [720, 720] }] }).field).toBe(
      'outputs[0].heights[1]',
    );
    expect(problemOf({ outputs: [{ kind: 'gif' }] })).toMatchObject({
      code: 'UNKNOWN_OUTPUT_KIND',
      field: 'outputs[0].kind',
    });
    expect(problemOf({ outputs: [{ kind: 'audio' }, { kind: 'audio' }] })).toMatchObject({
      code: 'DUPLICATE_OUTPUT_KIND',
      field: 'outputs[1].kind',
    });
    expect(problemOf({ outputs: [{ kind: 'dash', segmentSeconds: 1 }] }).field).toBe(
      'outputs[0].segmentSeconds',
    );
    expect(problemOf({ outputs: [{ kind: 'hls', ladder: [] }] })).toMatchObject({
      code: 'UNKNOWN_FIELD',
      field: 'outputs[0].ladder',
    });
    expect(problemOf({ outputs: [{ kind: 'frames', everySeconds: 0.05 }] }).field).toBe(
      'outputs[0].everySeconds',
    );
    expect(problemOf({ outputs: [{ kind: 'frames', everySeconds: 1, count: 3 }] }).field).toBe(
      'outputs[0].count',
    );
    expect(problemOf({ outputs: [] }).field).toBe('outputs');
    expect(problemOf({ outputs: ['mp4'] }).field).toBe('outputs[0]');
  });

  it('refuses more frames than the bound, by count or by interval over the duration limit', () => {
    expect(problemOf({ outputs: [{ kind: 'frames', count: 3601 }] }).field).toBe('outputs[0].count');
    expect(
      problemOf({ maxDurationSeconds: 3600, outputs: [{ kind: 'frames', everySeconds: 0.5 }] }),
    ).toMatchObject({ code: 'TOO_MANY_FRAMES', field: 'outputs[0].everySeconds' });
    expect(
      parseJobRequest(
        { url, maxDurationSeconds: 360, outputs: [{ kind: 'frames', everySeconds: 0.1 }] },
        policy,
      ).ok,
    ).toBe(true);
  });

  it('expands presets, and refuses a preset together with outputs or an unknown preset', () => {
    const parsed = parseJobRequest({ url, preset: 'streaming' }, policy);
    expect(parsed.ok && resolveOutputs(parsed.request).map((o) => o.kind)).toEqual([
      'hls',
      'thumbnail',
      'storyboard',
    ]);
    for (const preset of Object.values(OUTPUT_PRESETS))
      expect(outputSpecListSchema.safeParse(preset).success).toBe(true);
    expect(problemOf({ preset: 'streaming', outputs: [{ kind: 'mp4' }] })).toMatchObject({
      code: 'CONFLICTING_FIELDS',
      field: 'preset',
    });
    expect(problemOf({ preset: 'everything' }).field).toBe('preset');
  });

  it('reaches the worker as MF_OUTPUTS, which it validates with the same schema', () => {
    const env = {
      MF_INSTANCE_ID: 'job',
      MF_SOURCE_URL: url,
      MF_MAX_BYTES: '1000',
      MF_MAX_DURATION_SECONDS: '60',
      MF_OUTPUT_BLOB_NAME: 'job/job.mp4',
      MF_MEDIA_CONTAINER: 'media',
      MF_MEDIA_BLOB_ENDPOINT: 'https://account.blob.core.windows.net',
      MF_CALLBACK_URL: 'https://app.example/api/jobs/job/events',
      MF_CALLBACK_TOKEN: 'token-0123456789abcdef',
    };
    const plain = loadWorkerSettings(env);
    expect(plain.ok && plain.settings.outputs).toEqual([{ kind: 'mp4' }]);
    const withOutputs = loadWorkerSettings({ ...env, MF_OUTPUTS: '[{"kind":"hls","heights":[360]}]' });
    expect(withOutputs.ok && withOutputs.settings.outputs).toEqual([{ kind: 'hls', heights: [360] }]);
    expect(loadWorkerSettings({ ...env, MF_OUTPUTS: '[{"kind":"gif"}]' }).ok).toBe(false);
    expect(loadWorkerSettings({ ...env, MF_OUTPUTS: 'not json' }).ok).toBe(false);
  });
});
