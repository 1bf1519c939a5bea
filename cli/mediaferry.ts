#!/usr/bin/env node
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, realpathSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { PLAYLIST_LIMITS } from '../src/shared/contracts.js';
import { OUTPUT_PRESETS } from '../src/shared/outputSpecs.js';
import { FINAL_JOB_STATUSES, JOB_STATUSES, type JobView } from '../src/shared/jobView.js';
import { CliError, EXIT_CODES, JobsApiClient } from './JobsApiClient.js';
import { JobProgressDisplay } from './JobProgressDisplay.js';
import { contentTypeOf, fileSize, uploadThroughLink } from './uploadFile.js';

/** The local stack's address (`npm start`), used when neither --url nor MEDIAFERRY_URL is given. */
export const DEFAULT_APP_URL = 'http://localhost:7071';
const POLL_INTERVAL_MS = 1000;
/** How long `upload --wait` waits for the uploaded file to start its job. */
const UPLOAD_START_TIMEOUT_MS = 120_000;

interface GlobalOptions {
  url: string;
  key?: string;
}

/** `mediaferry` — submit, follow, list, cancel and download jobs through the app's jobs API. */
export function buildProgram(io: { out: NodeJS.WriteStream; err: NodeJS.WriteStream }): Command {
  const program = new Command('mediaferry')
    .description('Turn video URLs into MP4s with a mediaferry app.')
    .addOption(
      new Option('--url <url>', 'the app, e.g. https://myapp.azurewebsites.net')
        .env('MEDIAFERRY_URL')
        .default(DEFAULT_APP_URL)
        .argParser(parseAppUrl),
    )
    .addOption(new Option('--key <key>', 'function key of the app').env('MEDIAFERRY_KEY'))
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out.write(text), writeErr: (text) => io.err.write(text) });

  const client = (): JobsApiClient => {
    const options = program.opts<GlobalOptions>();
    return new JobsApiClient({ baseUrl: options.url, key: options.key });
  };

  program
    .command('submit')
    .description('start a job; with --wait, follow it to the end')
    .argument('<url>', 'the video page or media URL')
    .addOption(
      new Option('--preset <name>', 'what to make from the source (default: one MP4)').choices(
        Object.keys(OUTPUT_PRESETS),
      ),
    )
    .option('--max-height <pixels>', 'largest video height to fetch, e.g. 720', parsePositiveInt)
    .option('--output <name>', 'output blob name, e.g. talks/keynote.mp4')
    .option('--notify-url <url>', 'webhook receiver for the final state')
    .option(
      '--max-attempts <n>',
      'runs in all when an attempt fails with a retryable code (1-5, default 2)',
      parsePositiveInt,
    )
    .option('--notify-email <address>', 'mail the final state to this address')
    .option('--no-cookies', "run without the operator's cookies secret (the proxy, if set, still applies)")
    .option(
      '--playlist-max-items <n>',
      `list the URL as a playlist or channel and run up to n items as child jobs (${PLAYLIST_LIMITS.maxItems.min}-${PLAYLIST_LIMITS.maxItems.max}, default ${PLAYLIST_LIMITS.maxItems.default})`,
      parsePositiveInt,
    )
    .option(
      '--playlist-concurrency <k>',
      `a playlist's items running at once (${PLAYLIST_LIMITS.concurrency.min}-${PLAYLIST_LIMITS.concurrency.max}, default ${PLAYLIST_LIMITS.concurrency.default}); implies a playlist`,
      parsePositiveInt,
    )
    .option('--playlist', 'list the URL as a playlist or channel with the default limits')
    .option('--wait', 'follow the job until it ends; exit 1 if it fails')
    .action(
      async (
        url: string,
        options: {
          preset?: string;
          maxHeight?: number;
          output?: string;
          notifyUrl?: string;
          maxAttempts?: number;
          notifyEmail?: string;
          cookies: boolean;
          playlist?: boolean;
          playlistMaxItems?: number;
          playlistConcurrency?: number;
          wait?: boolean;
        },
      ) => {
        const request: Record<string, unknown> = { url };
        if (options.playlist || options.playlistMaxItems || options.playlistConcurrency)
          request.playlist = {
            ...(options.playlistMaxItems ? { maxItems: options.playlistMaxItems } : {}),
            ...(options.playlistConcurrency ? { concurrency: options.playlistConcurrency } : {}),
          };
        if (options.preset) request.preset = options.preset;
        if (options.maxHeight) request.maxHeight = options.maxHeight;
        if (options.output) request.outputName = options.output;
        if (options.notifyUrl) request.notifyUrl = options.notifyUrl;
        if (options.maxAttempts) request.maxAttempts = options.maxAttempts;
        if (options.notifyEmail) request.notifyEmail = options.notifyEmail;
        if (!options.cookies) request.useCookies = false;
        const api = client();
        const view = await api.submit(request);
        io.out.write(`${view.id}\n`);
        if (!options.wait) return;
        await followToEnd(api, view.id, io.out);
      },
    );

  program
    .command('upload')
    .description('upload a media file; its arrival starts a job; with --wait, follow it to the end')
    .argument('<file>', 'an audio or video file')
    .addOption(
      new Option('--preset <name>', 'what to make from the file (default: one MP4)').choices(
        Object.keys(OUTPUT_PRESETS),
      ),
    )
    .option('--content-type <type>', 'the media type, when the extension does not say (video/* or audio/*)')
    .option('--output <name>', 'output blob name, e.g. talks/keynote.mp4')
    .option('--notify-url <url>', 'webhook receiver for the final state')
    .option('--notify-email <address>', 'mail the final state to this address')
    .option('--wait', 'follow the job until it ends; exit 1 if it fails')
    .action(
      async (
        file: string,
        options: {
          preset?: string;
          contentType?: string;
          output?: string;
          notifyUrl?: string;
          notifyEmail?: string;
          wait?: boolean;
        },
      ) => {
        const bytes = fileSize(file);
        const contentType = options.contentType ?? contentTypeOf(file);
        const request: Record<string, unknown> = { filename: basename(file), contentType, bytes };
        if (options.preset) request.preset = options.preset;
        if (options.output) request.outputName = options.output;
        if (options.notifyUrl) request.notifyUrl = options.notifyUrl;
        if (options.notifyEmail) request.notifyEmail = options.notifyEmail;
        const api = client();
        const upload = await api.createUpload(request);
        await uploadThroughLink(upload.uploadUrl, file, contentType, bytes, io.err);
        io.out.write(`${upload.jobId}\n`);
        if (!options.wait) return;
        // The job starts when the upload's event reaches the app: wait for it to exist, then follow it.
        const deadline = Date.now() + UPLOAD_START_TIMEOUT_MS;
        while (!(await api.find(upload.jobId))) {
          if (Date.now() > deadline)
            throw new CliError(
              `Job ${upload.jobId} has not started ${UPLOAD_START_TIMEOUT_MS / 1000} s after the upload; check the app's upload trigger.`,
              EXIT_CODES.unreachable,
            );
          await new Promise((wait) => setTimeout(wait, POLL_INTERVAL_MS));
        }
        await followToEnd(api, upload.jobId, io.out);
      },
    );

  program
    .command('jobs')
    .description('list jobs, newest first')
    .addOption(new Option('--status <status>', 'only jobs in this state').choices(JOB_STATUSES))
    .option('--top <n>', 'at most this many', parsePositiveInt)
    .option('--continuation-token <token>', 'the next page, as printed after the previous one')
    .action(async (options: { status?: string; top?: number; continuationToken?: string }) => {
      const list = await client().list(options);
      for (const job of list.jobs) io.out.write(`${formatRow(job)}\n`);
      // On stderr, so `mediaferry jobs | …` pipes only jobs.
      if (list.continuationToken) io.err.write(`more: --continuation-token ${list.continuationToken}\n`);
    });

  /** A command on one job by id: `call` reads or changes it, `show` prints the job view it answers with. */
  const jobCommand = (
    name: string,
    description: string,
    call: (api: JobsApiClient, id: string) => Promise<JobView>,
    show: (view: JobView) => void,
  ) =>
    program
      .command(name)
      .description(description)
      .argument('<id>')
      .action(async (id: string) => show(await call(client(), id)));

  jobCommand(
    'job',
    'show one job as JSON; exit 1 if it failed or was canceled',
    (api, id) => api.get(id),
    (view) => {
      io.out.write(`${JSON.stringify(view, null, 2)}\n`);
      if (view.status === 'Failed' || view.status === 'Canceled') process.exitCode = EXIT_CODES.jobFailed;
    },
  );
  jobCommand(
    'cancel',
    'cancel a queued or running job',
    (api, id) => api.cancel(id),
    (view) => io.out.write(`${view.id} ${view.status}\n`),
  );

  program
    .command('download')
    .description("download a succeeded job's outputs through their read links")
    .argument('<id>')
    .argument('[dir]', 'where to save them', '.')
    .action(async (id: string, dir: string) => {
      const view = await client().get(id);
      if (view.status !== 'Succeeded')
        throw new CliError(
          `Job ${id} is ${view.status}; only a succeeded job has outputs.`,
          EXIT_CODES.jobFailed,
        );
      mkdirSync(dir, { recursive: true });
      for (const output of view.outputs) {
        const file = join(resolve(dir), basename(output.blobName));
        await downloadVerified(output.readUrl, file, output.sha256);
        io.out.write(`${file}\n`);
      }
    });

  return program;
}

async function follow(api: JobsApiClient, id: string, out: NodeJS.WriteStream): Promise<JobView> {
  const display = new JobProgressDisplay(out);
  try {
    for (;;) {
      const view = await api.get(id);
      const speed = FINAL_JOB_STATUSES.includes(view.status) ? undefined : await api.speed(id);
      display.update({ view, speedBytesPerSecond: speed });
      if (FINAL_JOB_STATUSES.includes(view.status)) return view;
      await new Promise((wait) => setTimeout(wait, POLL_INTERVAL_MS));
    }
  } finally {
    display.stop();
  }
}

/** Follows the job until it ends, prints its outputs or its error, and exits 1 unless it succeeded. */
async function followToEnd(api: JobsApiClient, id: string, out: NodeJS.WriteStream): Promise<void> {
  const final = await follow(api, id, out);
  printSummary(final, out);
  if (final.status !== 'Succeeded') process.exitCode = EXIT_CODES.jobFailed;
}

function printSummary(view: JobView, out: NodeJS.WriteStream): void {
  // A playlist: one line per item, then the playlist's own state.
  for (const child of view.children ?? [])
    out.write(
      `${child.id} ${child.status}${child.error ? ` ${child.error.code}` : ''} ${child.outputs?.map((o) => o.blobName).join(' ') ?? child.url ?? ''}\n`,
    );
  if (view.status === 'Succeeded') {
    for (const output of view.outputs)
      out.write(`${output.blobName} ${output.bytes} bytes ${output.readUrl}\n`);
    return;
  }
  out.write(`${view.status}${view.error ? `: ${view.error.code}: ${view.error.message}` : ''}\n`);
}

function formatRow(job: JobView): string {
  const percent = job.percent === null ? '' : ` ${Math.round(job.percent)}%`;
  return `${job.id}  ${job.status.padEnd(9)}  ${job.phase}${percent}  ${job.createdAt}  ${job.source.title ?? job.source.url ?? job.source.blob ?? ''}`;
}

/** Streams a read link to disk and refuses a file whose bytes differ from the job's own hash. */
async function downloadVerified(readUrl: string, file: string, sha256: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(readUrl, { redirect: 'error' });
  } catch (error) {
    throw new CliError(
      `Cannot download ${readUrl}: ${error instanceof Error ? error.message : String(error)}`,
      EXIT_CODES.unreachable,
    );
  }
  if (!response.ok || !response.body)
    throw new CliError(
      `The read link answered ${response.status}; it may have expired — run the command again for a fresh one.`,
      EXIT_CODES.unreachable,
    );
  const hash = createHash('sha256');
  const source = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  source.on('data', (chunk: Buffer) => hash.update(chunk));
  await pipeline(source, createWriteStream(file));
  if (hash.digest('hex') !== sha256)
    throw new CliError(`${file} does not match the job's sha256; download it again.`, EXIT_CODES.unreachable);
}

function parseAppUrl(value: string): string {
  if (!/^https?:\/\/[^/]+/i.test(value)) throw new InvalidArgumentError('expected an http(s) URL of the app');
  return value;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** Runs the command line; resolves to the exit code. */
export async function runCli(
  argv: string[],
  io = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError)
      // --help and --version end "with an error" too, but successfully.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.badUsage;
    if (error instanceof CliError) {
      io.err.write(`mediaferry: ${error.message}\n`);
      return error.exitCode;
    }
    io.err.write(`mediaferry: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_CODES.unreachable;
  }
}

// Run when started as a program (also through npm's bin symlink), not when imported.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runCli(process.argv.slice(2));
}
