import { z } from 'zod';

/** The ARM operations a fault can target. */
export const ACI_OPERATIONS = [
  'create',
  'get',
  'list',
  'delete',
  'stop',
  'start',
  'restart',
  'logs',
  'poll',
] as const;
export type AciOperation = (typeof ACI_OPERATIONS)[number];

// `count` omitted means "every time until changed"; a number is used up one request at a time.
const count = z.number().int().nonnegative().optional();

/** Faults the ACI emulator injects, set through its options or `POST /_emulator/faults` at run time. */
export const aciFaultsSchema = z
  .object({
    /** 429 TooManyRequests with Retry-After, as ARM throttles. */
    throttle: z
      .object({
        count,
        retryAfterSeconds: z.number().int().nonnegative().default(1),
        operations: z.array(z.enum(ACI_OPERATIONS)).default(['create']),
      })
      .optional(),
    /** Creates refused at once with 409: the region has no capacity for the request. */
    capacity: z
      .object({
        count,
        code: z.string().default('ServiceUnavailable'),
        /** Only refuse this priority (e.g. Spot, to exercise a fallback to Regular). */
        priority: z.enum(['Regular', 'Spot']).optional(),
      })
      .optional(),
    /** Creates accepted, then provisioning ends Failed. */
    provisioningFailure: z
      .object({
        count,
        code: z.string().default('ContainerGroupProvisioningFailed'),
        message: z.string().default('The container group failed to provision: the node was unavailable.'),
      })
      .optional(),
    /** Creates accepted, then the image cannot be pulled (InaccessibleImage), even for a mapped image. */
    imagePullFailure: z.object({ count }).optional(),
    /**
     * The group's containers are killed (SIGKILL, exit 137) this long after they start, as a lost
     * node or an out-of-memory kill ends them: no stop was asked for, so nothing reports.
     */
    containerCrash: z.object({ count, afterMs: z.number().int().nonnegative().default(500) }).optional(),
    /** Extra time between an accepted create and its containers running. */
    slowStart: z.object({ count, delayMs: z.number().int().nonnegative() }).optional(),
    /** Deletes refused at once; 409 ContainerGroupTransitioning by default (5xx are retried by the SDK). */
    deleteFailure: z
      .object({
        count,
        status: z.number().int().min(400).max(599).default(409),
        code: z.string().default('ContainerGroupTransitioning'),
      })
      .optional(),
  })
  .strict();

export type AciFaults = z.input<typeof aciFaultsSchema>;
type ParsedFaults = z.output<typeof aciFaultsSchema>;
type FaultName = keyof ParsedFaults;

/** The faults in force, with their remaining counts. */
export class FaultPlan {
  #faults: ParsedFaults = {};

  constructor(initial?: AciFaults) {
    if (initial) this.set(initial);
  }

  /** Replaces every fault; throws a ZodError for an unknown or malformed fault. */
  set(faults: AciFaults): void {
    this.#faults = aciFaultsSchema.parse(faults);
  }

  current(): ParsedFaults {
    return structuredClone(this.#faults);
  }

  clear(): void {
    this.#faults = {};
  }

  /** Takes one use of a fault when `applies` says it fits this request; undefined when none. */
  take<K extends FaultName>(
    name: K,
    applies: (fault: NonNullable<ParsedFaults[K]>) => boolean = () => true,
  ): NonNullable<ParsedFaults[K]> | undefined {
    const fault = this.#faults[name];
    if (!fault || !applies(fault as NonNullable<ParsedFaults[K]>)) return undefined;
    if (fault.count !== undefined) {
      if (fault.count <= 0) return undefined;
      fault.count -= 1;
    }
    return fault as NonNullable<ParsedFaults[K]>;
  }
}
