import { createHash } from 'node:crypto';
import { EmailClient, type EmailClientOptions, type EmailMessage } from '@azure/communication-email';
import type { TokenCredential } from '@azure/identity';
import type { JobEventType } from './finalJobEvent.js';

/** What one send came to: `status` is the send API's HTTP answer, null when it could not be reached. */
export type SendEmailOutcome =
  | { delivered: true; status: number }
  | { delivered: false; status: number | null; retryable: boolean; code: string; message: string };

export type SendEmail = (message: EmailMessage, operationId: string) => Promise<SendEmailOutcome>;

/**
 * The `Operation-Id` of a job's mail for one final state: a name-based uuid of job and state, so a
 * repeated send (an activity run twice) is the same ACS operation, never a second mail.
 */
export function emailOperationId(jobId: string, type: JobEventType): string {
  const hex = createHash('sha256').update(`mediaferry-email:${jobId}:${type}`).digest('hex');
  const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Sends through the Azure Communication Services Email REST API with the maintained SDK, signed in
 * with the app's identity (a bearer token for https://communication.azure.com, no access key). The
 * send is accepted (202) and then followed until ACS reports it delivered to its mail transfer agents.
 */
export function acsEmailSender(
  endpoint: string,
  credential: TokenCredential,
  options: { clientOptions?: EmailClientOptions; pollTimeoutMs?: number } = {},
): SendEmail {
  const client = new EmailClient(endpoint, credential, options.clientOptions ?? {});
  const pollTimeoutMs = options.pollTimeoutMs ?? 60_000;
  return async (message, operationId) => {
    try {
      const poller = await client.beginSend(message, { operationId, updateIntervalInMs: 1000 });
      // Accepted but not reported done in time: ACS owns the mail now, and a resend would be the same operation.
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        poller.pollUntilDone(),
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), pollTimeoutMs))),
      ]).finally(() => clearTimeout(timer));
      if (result && result.status !== 'Succeeded')
        return {
          delivered: false,
          status: 202,
          retryable: false,
          code: 'EMAIL_FAILED',
          message: `The mail was not sent: ${result.error?.message ?? result.status}.`,
        };
      return { delivered: true, status: 202 };
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode ?? null;
      const permanent = status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429;
      return {
        delivered: false,
        status,
        retryable: !permanent,
        code: status === null ? 'EMAIL_UNREACHABLE' : 'EMAIL_REJECTED',
        message: `The mail could not be sent: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  };
}
