import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What happened to one version (ETag) of one blob. */
interface Receipt {
  etag: string;
  /** Invocations that failed so far; at MAX_ATTEMPTS the blob is given up on (poisoned). */
  failures: number;
  done: boolean;
}

/** The Storage extension's maxDequeueCount: a blob whose function fails this often is given up on. */
export const MAX_ATTEMPTS = 5;

/**
 * The blob trigger's persisted cursor: per blob name, the version that was delivered (like the
 * Storage extension's blob receipts). Written (atomically, by rename) after every delivery, so a
 * host that restarts — even after SIGKILL — neither misses a blob nor delivers one that already
 * completed; one killed mid-invocation delivers that blob again (at least once, as in Azure).
 */
export class BlobReceipts {
  private readonly receipts: Map<string, Receipt>;

  constructor(private readonly file: string) {
    this.receipts = new Map(
      existsSync(file)
        ? Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, Receipt>)
        : [],
    );
  }

  /** Whether this version of the blob still has to be delivered. */
  pending(name: string, etag: string): boolean {
    const receipt = this.receipts.get(name);
    return !receipt || receipt.etag !== etag || (!receipt.done && receipt.failures < MAX_ATTEMPTS);
  }

  /** Records a delivery; returns the failures so far for this version. */
  record(name: string, etag: string, succeeded: boolean): number {
    const previous = this.receipts.get(name);
    const failures = (previous?.etag === etag ? previous.failures : 0) + (succeeded ? 0 : 1);
    this.receipts.set(name, { etag, failures, done: succeeded });
    this.save();
    return failures;
  }

  /** Drops receipts of blobs that no longer exist, so the file does not grow forever. */
  forgetAllBut(present: ReadonlySet<string>): void {
    let changed = false;
    for (const name of this.receipts.keys())
      if (!present.has(name)) {
        this.receipts.delete(name);
        changed = true;
      }
    if (changed) this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, JSON.stringify(Object.fromEntries(this.receipts)));
    renameSync(temp, this.file);
  }
}
