import { rmSync } from 'node:fs';
import type { JobSucceeded } from '../../shared/contracts.js';
import type { WorkerSettings } from '../../shared/workerEnvironment.js';
import { redactSourceUrl } from '../../shared/redaction/redactSourceUrl.js';
import type { CallbackReporter } from '../CallbackReporter.js';
import type { SiteSubtitle } from '../downloadMedia.js';
import type { WorkerRuntime } from '../loadWorkerSettings.js';
import { WorkerError } from '../WorkerError.js';
import { outputPrefix } from './outputBlobLayout.js';
import { produceOutputs } from './produceOutputs.js';

export interface RunOutputPlanOptions {
  settings: WorkerSettings;
  runtime: WorkerRuntime;
  downloaded: { path: string; siteSubtitles: readonly SiteSubtitle[] };
  workDir: string;
  /** Started early by the caller so the storage SDK loads while the download runs. */
  uploader: Promise<unknown>;
  reporter: CallbackReporter;
  signal: AbortSignal;
  log: (line: string) => void;
  timings: JobSucceeded['timings'];
  phaseStart: number;
  startedAt: number;
  source: JobSucceeded['source'];
}

/**
 * A job with outputs other than a lone MP4: make every output from one decode, check the byte
 * limit over all of them, upload them under the job's prefix, and describe them in the result.
 */
export async function runOutputPlan(options: RunOutputPlanOptions): Promise<JobSucceeded> {
  const { settings, runtime, reporter, timings, log } = options;
  const produced = await produceOutputs({
    input: options.downloaded.path,
    workDir: options.workDir,
    specs: settings.outputs,
    ffmpegPath: runtime.ffmpegPath,
    ffprobePath: runtime.ffprobePath,
    siteSubtitles: options.downloaded.siteSubtitles,
    maxDurationSeconds: settings.maxDurationSeconds,
    signal: options.signal,
    onProgress: (p) => reporter.progress(p),
    log,
  });
  rmSync(options.downloaded.path, { force: true });
  const bytes = produced.outputs.reduce((sum, o) => sum + o.files.reduce((s, f) => s + f.bytes, 0), 0);
  if (bytes > settings.maxBytes)
    throw new WorkerError(
      'TOO_LARGE',
      `The outputs add up to ${bytes} bytes, more than the limit of ${settings.maxBytes}.`,
    );
  timings.processMs = Date.now() - options.phaseStart;

  const uploadStart = Date.now();
  reporter.progress({ phase: 'Uploading', percent: 0, bytes: 0, totalBytes: bytes });
  await options.uploader;
  const { uploadOutputFiles } = await import('./uploadOutputFiles.js');
  const prefix = outputPrefix(settings.outputBlobName);
  const outputs = await uploadOutputFiles({
    outDir: produced.outDir,
    prefix,
    outputs: produced.outputs,
    target: {
      container: settings.mediaContainer,
      ...(settings.mediaBlobEndpoint ? { blobEndpoint: settings.mediaBlobEndpoint } : {}),
      ...(settings.identityClientId ? { identityClientId: settings.identityClientId } : {}),
      ...(settings.storageConnectionString ? { connectionString: settings.storageConnectionString } : {}),
    },
    metadata: {
      sourceUrl: settings.sourceUrl ? redactSourceUrl(settings.sourceUrl) : (settings.sourceBlob ?? ''),
      instanceId: settings.instanceId,
    },
    signal: options.signal,
    onProgress: (p) => reporter.progress(p),
  });
  timings.uploadMs = Date.now() - uploadStart;
  timings.totalMs = Date.now() - options.startedAt;
  log(`uploaded ${outputs.length} outputs (${bytes} bytes) under ${prefix}/ in ${timings.uploadMs} ms`);
  return {
    status: 'Succeeded',
    outputs,
    ...(produced.missing.length > 0 ? { missing: produced.missing } : {}),
    media: produced.media,
    timings,
    ...(options.source ? { source: options.source } : {}),
  };
}
