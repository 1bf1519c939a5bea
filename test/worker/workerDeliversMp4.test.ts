import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobResultSchema, type JobSucceeded } from '../../src/shared/contracts.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { ffprobe, topLevelBoxes, useWorkerTestBed } from './support/workerTestBed.js';

const testBed = useWorkerTestBed('mediaferry-worker-blobs-');

/** Runs one job to success and checks the blob against the reported result. */
async function deliver(sourcePath: string, overrides: Record<string, string> = {}) {
  const env = testBed.bed.env(testBed.bed.media.url(sourcePath), overrides);
  const { code, logs } = await runWorkerProcess(env);
  expect(code, logs).toBe(0);
  const finished = testBed.bed.callback.accepted('JobFinished').filter((a) => a.path.length > 0);
  const report = finished.at(-1)?.body;
  const result = jobResultSchema.parse(report) as JobSucceeded;
  expect(result.status).toBe('Succeeded');
  const output = result.outputs[0]!;
  const blobName = env.MF_OUTPUT_BLOB_NAME!;
  expect(output.blobName).toBe(blobName);
  expect(output.url).toBe(`${testBed.bed.azurite.blobEndpoint}/media/${blobName}`);

  const blob = testBed.bed.container.getBlobClient(blobName);
  const properties = await blob.getProperties();
  expect(properties.contentType).toBe('video/mp4');
  expect(properties.metadata?.sha256).toBe(output.sha256);
  expect(decodeURIComponent(properties.metadata?.sourceurl ?? '')).toBe(env.MF_SOURCE_URL);
  const data = await blob.downloadToBuffer();
  expect(data.length).toBe(output.bytes);
  expect(createHash('sha256').update(data).digest('hex')).toBe(output.sha256);

  const boxes = topLevelBoxes(data);
  expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
  expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
  const file = join(testBed.scratch, `${env.MF_INSTANCE_ID}.mp4`);
  writeFileSync(file, data);
  const probed = await ffprobe(file);
  expect(probed.videoCodec).toBe('h264');
  expect(probed.audioCodec).toBe('aac');
  expect(Math.abs(probed.durationSeconds - testBed.bed.fixtures.durationSeconds)).toBeLessThanOrEqual(0.2);
  expect(result.media).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', height: probed.height });
  expect(result.timings.downloadMs).toBeGreaterThan(0);
  expect(testBed.bed.leftoverWorkDirs()).toEqual([]);
  return { result, probed };
}

describe('worker delivers a faststart H.264/AAC MP4 to Blob Storage', () => {
  it('from a progressive MP4', async () => {
    const { result } = await deliver(testBed.bed.fixtures.progressiveMp4);
    expect(result.media).toMatchObject({ width: 640, height: 360 });
  });

  it('from an HLS master with two video variants and an audio group, taking the best variant', async () => {
    const { probed } = await deliver(testBed.bed.fixtures.hlsMaster);
    expect(probed.height).toBe(testBed.bed.fixtures.variantHeights[1]);
  });

  it('from a DASH manifest with separate video-only and audio-only representations', async () => {
    const { probed } = await deliver(testBed.bed.fixtures.dashManifest);
    expect(probed.height).toBe(testBed.bed.fixtures.variantHeights[1]);
  });

  it('from an HTML page with a <video> tag', async () => {
    const { result } = await deliver(testBed.bed.fixtures.htmlPage);
    expect(result.source?.url).toBe(testBed.bed.media.url(testBed.bed.fixtures.htmlPage));
  });

  it('from a VP9/Opus WebM, transcoded to H.264/AAC', async () => {
    const { result } = await deliver(testBed.bed.fixtures.vp9Webm);
    expect(result.media).toMatchObject({ width: 320, height: 180 });
  });

  it('honours the max-height option by picking the variant under the cap', async () => {
    const [small] = testBed.bed.fixtures.variantHeights;
    const { probed } = await deliver(testBed.bed.fixtures.hlsMaster, { MF_MAX_HEIGHT: String(small) });
    expect(probed.height).toBe(small);
    const dash = await deliver(testBed.bed.fixtures.dashManifest, { MF_MAX_HEIGHT: String(small + 100) });
    expect(dash.probed.height).toBe(small);
  });

  it('takes the smallest rendition when none fits under the height cap, rather than failing', async () => {
    const [small] = testBed.bed.fixtures.variantHeights;
    const { probed } = await deliver(testBed.bed.fixtures.hlsMaster, { MF_MAX_HEIGHT: String(small - 36) });
    expect(probed.height).toBe(small);
  });
});
