import { z } from 'zod';
import {
  apiErrorSchema,
  jobListSchema,
  jobViewSchema,
  type JobList,
  type JobView,
} from '../src/shared/jobView.js';
import { uploadAnswerSchema, type UploadAnswer } from '../src/shared/uploadAnswer.js';

/** The command's exit codes: what a script calling `mediaferry` can branch on. */
export const EXIT_CODES = { ok: 0, jobFailed: 1, badUsage: 2, unreachable: 3 } as const;

/** A failure of the command, with the exit code it ends with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export type { JobList };

const progressSchema = z.object({ speedBytesPerSecond: z.number().nonnegative().optional() });

export interface JobsApiClientOptions {
  /** The app's origin, e.g. http://localhost:7071. */
  baseUrl: string;
  /** Function key; sent as x-functions-key. */
  key?: string | undefined;
  timeoutMs?: number;
}

/** The jobs API as the CLI uses it; every answer is validated against the shared contract. */
export class JobsApiClient {
  private readonly baseUrl: string;
  constructor(private readonly options: JobsApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async submit(request: Record<string, unknown>): Promise<JobView> {
    return jobViewSchema.parse(await this.call('POST', '/api/jobs', request, [202]));
  }

  /** `POST /api/uploads`: an upload link and the id of the job the file will start. */
  async createUpload(request: Record<string, unknown>): Promise<UploadAnswer> {
    return uploadAnswerSchema.parse(await this.call('POST', '/api/uploads', request, [201]));
  }

  /** The job view, or undefined while the job does not exist yet (an upload still on its way). */
  async find(id: string): Promise<JobView | undefined> {
    const raw = await this.call('GET', `/api/jobs/${encodeURIComponent(id)}`, undefined, [200, 404]);
    const parsed = jobViewSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  async get(id: string): Promise<JobView> {
    return jobViewSchema.parse(await this.call('GET', `/api/jobs/${encodeURIComponent(id)}`));
  }

  async list(query: { status?: string; top?: number; continuationToken?: string }): Promise<JobList> {
    const params = new URLSearchParams();
    if (query.status) params.set('status', query.status);
    if (query.top) params.set('top', String(query.top));
    if (query.continuationToken) params.set('continuationToken', query.continuationToken);
    const suffix = params.size > 0 ? `?${params.toString()}` : '';
    return jobListSchema.parse(await this.call('GET', `/api/jobs${suffix}`));
  }

  /**
   * The latest progress figures (`GET /api/jobs/{id}/status`), read leniently: only the speed is used
   * and an app without the route simply shows none.
   */
  async speed(id: string): Promise<number | undefined> {
    try {
      const raw = await this.call('GET', `/api/jobs/${encodeURIComponent(id)}/status`);
      const parsed = progressSchema.safeParse(raw);
      return parsed.success ? parsed.data.speedBytesPerSecond : undefined;
    } catch {
      return undefined;
    }
  }

  async cancel(id: string): Promise<JobView> {
    return jobViewSchema.parse(
      await this.call('POST', `/api/jobs/${encodeURIComponent(id)}/cancel`, undefined, [200, 202]),
    );
  }

  private async call(method: string, path: string, body?: unknown, ok: number[] = [200]): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.key) headers['x-functions-key'] = this.options.key;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new CliError(
        `Cannot reach the app at ${this.baseUrl} (${describe(error)}). Is it running? Set --url or MEDIAFERRY_URL.`,
        EXIT_CODES.unreachable,
      );
    }
    const text = await response.text();
    if (ok.includes(response.status)) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new CliError(
          `The app answered ${response.status} with a body that is not JSON.`,
          EXIT_CODES.unreachable,
        );
      }
    }
    throw new CliError(apiMessage(response.status, text), exitCodeFor(response.status));
  }
}

/** 4xx: the request was wrong (bad id, bad filter, bad key, finished job); 5xx: the app is not serving. */
function exitCodeFor(status: number): number {
  return status >= 500 ? EXIT_CODES.unreachable : EXIT_CODES.badUsage;
}

function apiMessage(status: number, text: string): string {
  let detail = text.slice(0, 500);
  try {
    const parsed = apiErrorSchema.safeParse(JSON.parse(text));
    if (parsed.success) detail = `${parsed.data.error.code}: ${parsed.data.error.message}`;
  } catch {
    // Not JSON: show the start of the body as it is.
  }
  const hint = status === 401 || status === 403 ? ' Check --key or MEDIAFERRY_KEY.' : '';
  return `The app answered ${status}: ${detail || '(no body)'}${hint}`;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? error.message;
  }
  return String(error);
}
