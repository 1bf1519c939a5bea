import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobResult } from '../shared/contracts.js';
import { checkSourceUrl } from '../shared/sourceUrlPolicy.js';
import { startEgressProxy, type EgressProxy } from '../shared/egress/startEgressProxy.js';
import { redactSourceUrl } from '../shared/redaction/redactSourceUrl.js';
import { CallbackReporter, type ReportOutcome } from './CallbackReporter.js';
import { downloadMedia, type DownloadedMedia } from './downloadMedia.js';
import { readSourceBlob } from './readSourceBlob.js';
import { isMp4Only, type OutputSpec } from '../shared/outputSpecs.js';
import { listPlaylist } from './listPlaylist.js';
import { loadWorkerSettings } from './loadWorkerSettings.js';
import { runOutputPlan } from './outputs/runOutputPlan.js';
import { normaliseMedia } from './normaliseMedia.js';
import { readToolVersions } from './readToolVersions.js';
import { ytDlpJsRuntimes } from './ytDlpJsRuntime.js';
import { readSourceSecrets, redactSecrets, type SourceSecrets } from './readSourceSecrets.js';
import { sha256File } from './sha256File.js';
import { WorkerError, redactUrls } from './WorkerError.js';

/** The worker's exit codes; only a delivered success exits 0. */
export const WORKER_EXIT = {
  succeeded: 0,
  /** The job failed and the failure was delivered. */
  jobFailed: 1,
  /** Configuration invalid, whether or not the failure could be reported (the log says). */
  badConfig: 2,
  /** The result could not be delivered before the deadline, or the app refused it for good. */
  reportNotDelivered: 3,
  /** The app answered 410: the job had already finished, nobody waits for this result. */
  jobGone: 4,
  /** Stopped by SIGTERM/SIGINT (128 + 15, as a shell reports it). */
  cancelled: 143,
} as const;

export interface RunWorkerOptions {
  /** Aborted when the container is being stopped; the reason should be a CANCELLED WorkerError. */
  signal: AbortSignal;
  log?: (line: string) => void;
}

/** What to ask the site for when a subtitles output is requested; nothing otherwise. */
function siteSubtitlesRequest(outputs: readonly OutputSpec[]) {
  const spec = outputs.find((o) => o.kind === 'subtitles');
  return spec?.kind === 'subtitles'
    ? { subtitles: { languages: spec.languages, auto: spec.auto === true } }
    : {};
}

function exitCodeFor(outcome: ReportOutcome, succeeded: boolean, cancelled: boolean): number {
  if (cancelled) return WORKER_EXIT.cancelled;
  if (outcome === 'gone') return WORKER_EXIT.jobGone;
  if (outcome !== 'delivered') return WORKER_EXIT.reportNotDelivered;
  return succeeded ? WORKER_EXIT.succeeded : WORKER_EXIT.jobFailed;
}

/**
 * The container's whole program: validate the environment, download, normalise, hash, upload,
 * report. Resolves to the process exit code; never throws. The temp dir is removed in every case.
 */
export async function runWorker(env: NodeJS.ProcessEnv, options: RunWorkerOptions): Promise<number> {
  const write = options.log ?? ((line: string) => process.stderr.write(`[worker] ${line}\n`));
  // Filled once the source secrets are read; every line and the reported error pass through it.
  let secrets: SourceSecrets = { sensitive: [] };
  const log = (line: string) => write(redactSecrets(line, secrets.sensitive));
  const startedAt = Date.now();
  const loaded = loadWorkerSettings(env);
  if (!loaded.ok) {
    log(loaded.error.message);
    if (!loaded.callback) {
      log('the callback settings are unusable too, so this failure cannot be reported');
      return WORKER_EXIT.badConfig;
    }
    const reporter = new CallbackReporter({
      callbackUrl: loaded.callback.url,
      token: loaded.callback.token,
      progressIntervalMs: 3000,
      reportDeadlineMs: loaded.callback.reportDeadlineSeconds * 1000,
      log,
    });
    const outcome = await reporter.finish(
      { status: 'Failed', error: loaded.error.toJobError() },
      options.signal,
    );
    log(`BAD_CONFIG report ${outcome}`);
    return WORKER_EXIT.badConfig;
  }

  const { settings, runtime } = loaded;
  // Read while the job runs; only a success records them.
  const toolVersions = readToolVersions(runtime);
  // The storage and identity SDKs take a while to load; load them while the download runs.
  const uploader = import('./uploadOutput.js');
  uploader.catch(() => undefined);
  // Aborted by a stop signal or by the app saying nobody waits any more.
  const work = new AbortController();
  const onStop = () => work.abort(options.signal.reason);
  options.signal.addEventListener('abort', onStop, { once: true });
  const reporter = new CallbackReporter({
    callbackUrl: settings.callbackUrl,
    token: settings.callbackToken,
    progressIntervalMs: settings.progressIntervalSeconds * 1000,
    reportDeadlineMs: settings.reportDeadlineSeconds * 1000,
    log,
    onJobGone: () =>
      work.abort(
        new WorkerError('CANCELLED', 'The app reports that this job has already finished.', {
          retryable: false,
        }),
      ),
  });
  // What the logs, the blob metadata and the result name as the source: never a URL's query string.
  const sourceLabel = settings.sourceUrl ? redactSourceUrl(settings.sourceUrl) : (settings.sourceBlob ?? '');
  log(
    `job ${settings.instanceId}: ${sourceLabel} → ${settings.mediaContainer}/${settings.outputBlobName}; reporting to ${reporter.safeTarget}`,
  );

  const workDir = mkdtempSync(join(runtime.tempRoot ?? tmpdir(), 'mediaferry-job-'));
  const timings: { downloadMs?: number; processMs?: number; uploadMs?: number; totalMs?: number } = {};
  let result: JobResult;
  let egress: EgressProxy | undefined;
  try {
    let phaseStart = Date.now();
    // The app checked the URL at submit time; a container started some other way is checked again.
    const policy = {
      allowPrivateSources: settings.allowPrivateSources,
      allowedPrivateSources: settings.allowedPrivateSources,
    };
    let downloaded: DownloadedMedia;
    if (settings.sourceBlob) {
      // An upload: read from the media account's incoming container with the identity, no yt-dlp.
      downloaded = await readSourceBlob({
        sourceBlob: settings.sourceBlob,
        account: {
          ...(settings.mediaBlobEndpoint ? { blobEndpoint: settings.mediaBlobEndpoint } : {}),
          ...(settings.identityClientId ? { identityClientId: settings.identityClientId } : {}),
          ...(settings.storageConnectionString ? { connectionString: settings.storageConnectionString } : {}),
        },
        maxBytes: settings.maxBytes,
        workDir,
        ffprobePath: runtime.ffprobePath,
        signal: work.signal,
        onProgress: (p) => reporter.progress(p),
        log,
      });
    } else {
      const sourceUrl = settings.sourceUrl ?? '';
      const verdict = checkSourceUrl(sourceUrl, policy);
      if (!verdict.ok)
        throw new WorkerError(
          'SOURCE_ADDRESS_BLOCKED',
          `The source URL is refused: ${verdict.message ?? ''}`,
        );
      if (settings.sourceSecretsVaultUri)
        secrets = await readSourceSecrets({
          vaultUri: settings.sourceSecretsVaultUri,
          ...(settings.identityClientId ? { identityClientId: settings.identityClientId } : {}),
          useCookies: settings.useCookies,
          log,
          signal: work.signal,
        });
      let cookiesFile: string | undefined;
      if (secrets.cookies !== undefined) {
        // Only this process's user may read it; it goes with the temp dir when the job ends.
        cookiesFile = join(workDir, 'cookies.txt');
        writeFileSync(cookiesFile, secrets.cookies, { mode: 0o600, flag: 'wx' });
      }
      egress = await startEgressProxy({ policy, log, ...(secrets.proxy ? { upstream: secrets.proxy } : {}) });
      const jsRuntimes = ytDlpJsRuntimes((await toolVersions).ytDlp, runtime.ytDlpJsRuntimes);
      // What the listing run and the download run share: the source, the job's folder, the egress guard.
      const ytDlp = {
        egress: { proxyUrl: egress.url, refusals: egress.refusals },
        url: sourceUrl,
        workDir,
        ytDlpPath: runtime.ytDlpPath,
        ...(jsRuntimes ? { jsRuntimes } : {}),
        socketTimeoutSeconds: runtime.socketTimeoutSeconds,
        retries: runtime.retries,
        ...(cookiesFile ? { cookiesFile } : {}),
        pacing: runtime.pacing,
        signal: work.signal,
        log,
      };
      if (settings.playlistMaxItems !== undefined) {
        // List mode: the playlist's entries go back to the app, which runs each as its own job. No
        // progress is sent: the playlist job's own progress is its items', counted by its orchestration.
        const listing = await listPlaylist({ ...ytDlp, maxItems: settings.playlistMaxItems });
        const outcome = await reporter.finishListing(listing, options.signal);
        log(`listing of ${listing.items.length} item(s) ${outcome}`);
        return exitCodeFor(outcome, true, options.signal.aborted);
      }
      downloaded = await downloadMedia({
        ...ytDlp,
        ...(settings.maxHeight === undefined ? {} : { maxHeight: settings.maxHeight }),
        maxBytes: settings.maxBytes,
        maxDurationSeconds: settings.maxDurationSeconds,
        onProgress: (p) => reporter.progress(p),
        ...siteSubtitlesRequest(settings.outputs),
      });
    }
    timings.downloadMs = Date.now() - phaseStart;
    log(`downloaded ${downloaded.bytes} bytes in ${timings.downloadMs} ms`);

    phaseStart = Date.now();
    reporter.progress({ phase: 'Processing', percent: 0 });
    const source = {
      ...(settings.sourceBlob ? { blob: settings.sourceBlob } : { url: sourceLabel.slice(0, 2048) }),
      ...(downloaded.title ? { title: downloaded.title.slice(0, 500) } : {}),
    };
    if (!isMp4Only(settings.outputs)) {
      result = await runOutputPlan({
        settings,
        runtime,
        downloaded,
        workDir,
        uploader,
        reporter,
        signal: work.signal,
        log,
        timings,
        phaseStart,
        startedAt,
        source,
      });
    } else {
      const normalised = await normaliseMedia({
        input: downloaded.path,
        workDir,
        ffmpegPath: runtime.ffmpegPath,
        ffprobePath: runtime.ffprobePath,
        maxDurationSeconds: settings.maxDurationSeconds,
        signal: work.signal,
        onProgress: (p) => reporter.progress(p),
        log,
      });
      rmSync(downloaded.path, { force: true });
      const bytes = statSync(normalised.path).size;
      if (bytes > settings.maxBytes)
        throw new WorkerError(
          'TOO_LARGE',
          `The converted MP4 is ${bytes} bytes, more than the limit of ${settings.maxBytes}.`,
        );
      const sha256 = await sha256File(normalised.path);
      timings.processMs = Date.now() - phaseStart;

      phaseStart = Date.now();
      reporter.progress({ phase: 'Uploading', percent: 0, bytes: 0, totalBytes: bytes });
      const { uploadOutput } = await uploader;
      const output = await uploadOutput({
        file: normalised.path,
        bytes,
        sha256,
        metadata: { sourceUrl: sourceLabel, instanceId: settings.instanceId },
        target: {
          container: settings.mediaContainer,
          blobName: settings.outputBlobName,
          ...(settings.mediaBlobEndpoint ? { blobEndpoint: settings.mediaBlobEndpoint } : {}),
          ...(settings.identityClientId ? { identityClientId: settings.identityClientId } : {}),
          ...(settings.storageConnectionString ? { connectionString: settings.storageConnectionString } : {}),
        },
        signal: work.signal,
        onProgress: (p) => reporter.progress(p),
      });
      timings.uploadMs = Date.now() - phaseStart;
      timings.totalMs = Date.now() - startedAt;
      log(`uploaded ${bytes} bytes (sha256 ${sha256}) in ${timings.uploadMs} ms`);
      result = {
        status: 'Succeeded',
        outputs: [{ kind: 'mp4', ...output }],
        media: normalised.media,
        timings,
        source,
      };
    }
  } catch (thrown) {
    const error = work.signal.aborted ? WorkerError.from(work.signal.reason) : WorkerError.from(thrown);
    if (error.code === 'INTERNAL' && thrown instanceof Error && thrown.stack) log(redactUrls(thrown.stack));
    log(`job failed: ${error.code}: ${error.message}`);
    timings.totalMs = Date.now() - startedAt;
    const jobError = error.toJobError();
    result = {
      status: 'Failed',
      error: { ...jobError, message: redactSecrets(jobError.message, secrets.sensitive) },
      timings,
    };
  } finally {
    await egress?.close();
    rmSync(workDir, { recursive: true, force: true });
    options.signal.removeEventListener('abort', onStop);
  }

  if (result.status === 'Succeeded') result = { ...result, tools: await toolVersions };
  const cancelled = options.signal.aborted;
  const outcome = await reporter.finish(result, options.signal);
  log(`result ${result.status} ${outcome}`);
  return exitCodeFor(outcome, result.status === 'Succeeded', cancelled);
}
