import { randomUUID } from 'node:crypto';
import type { BindingInfo, HostExtension, RegisteredFunction, TypedData } from './extension.js';
import { claimsInput } from './functionCatalog.js';
import type { CoreInvocationResponse, FunctionsCoreApi } from './functionsCoreApi.js';
import { FunctionTimeoutError } from './FunctionTimeoutError.js';
import { undeliverableOutputBindings } from './bindingSupport.js';
import { HostError } from './HostError.js';
import { formatTimeSpan } from './hostJsonRules.js';
import { BlobBindings, isBlobBinding } from './BlobBindings.js';
import { bindingDataOf, type BindingData } from './bindingExpressions.js';

export interface InvocationResult {
  invocationId: string;
  response?: CoreInvocationResponse;
  error?: Error;
}

export type HostLogWriter = (level: string, message: string) => void;

/** What an invocation of a function needs to know of its bindings, worked out once per function. */
interface BindingPlan {
  /** Binding expressions need the trigger payload parsed (only when a blob binding uses them). */
  hasBlobBindings: boolean;
  inputs: Array<[string, BindingInfo]>;
  blobOutputs: Array<[string, BindingInfo]>;
  undeliverableOutputs: Array<[string, BindingInfo]>;
}

const plans = new WeakMap<RegisteredFunction, BindingPlan>();

function bindingPlanOf(fn: RegisteredFunction): BindingPlan {
  let plan = plans.get(fn);
  if (!plan) {
    const bindings = Object.entries(fn.bindings);
    plan = {
      hasBlobBindings: bindings.some(([, binding]) => isBlobBinding(binding)),
      inputs: bindings.filter(
        ([name, binding]) => name !== fn.triggerBindingName && binding.direction === 'in',
      ),
      blobOutputs: bindings.filter(([, binding]) => binding.direction === 'out' && isBlobBinding(binding)),
      undeliverableOutputs: undeliverableOutputBindings(fn),
    };
    plans.set(fn, plan);
  }
  return plan;
}

/**
 * Runs one invocation exactly as the Node worker's invocation handler does: the app's programming
 * model builds the arguments, pre-invocation hooks may swap inputs or handler, post-invocation
 * hooks may replace the result or error, and the model converts the result to RPC data.
 */
export class FunctionInvoker {
  readonly #blobs: BlobBindings;

  constructor(
    private readonly core: FunctionsCoreApi,
    private readonly extensions: readonly HostExtension[],
    private readonly appHookData: Record<string, unknown>,
    private readonly writeLog: HostLogWriter,
    /** host.json functionTimeout; undefined for no limit. */
    private readonly functionTimeoutMs?: number,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.#blobs = new BlobBindings(env);
  }

  async invoke(
    fn: RegisteredFunction,
    trigger: { data: TypedData; metadata?: Record<string, TypedData> },
    reason: string,
  ): Promise<InvocationResult> {
    const invocationId = randomUUID();
    const started = Date.now();
    this.writeLog('information', `Executing 'Functions.${fn.name}' (Reason='${reason}', Id=${invocationId})`);
    try {
      const plan = bindingPlanOf(fn);
      // Parsing the trigger payload costs a full JSON parse (an orchestrator's is its history): only for blobs.
      const bindingData: BindingData = plan.hasBlobBindings ? bindingDataOf(trigger) : {};
      const response = await this.#runWithinTimeout(
        fn,
        this.#run(fn, plan, trigger, bindingData, invocationId),
        invocationId,
      );
      refuseUndeliverableOutputs(fn, plan, response);
      // Only after the function returned in time: a timed-out or failed invocation writes nothing.
      if (plan.blobOutputs.length > 0) await this.#writeBlobOutputs(fn, plan, response, bindingData);
      this.writeLog(
        'information',
        `Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${Date.now() - started}ms)`,
      );
      return { invocationId, response };
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      this.writeLog(
        'error',
        `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${Date.now() - started}ms)\n` +
          `Result: Failure\nException: ${error.stack ?? error.message}`,
      );
      return { invocationId, error };
    }
  }

  /**
   * Fails the invocation once functionTimeout passes, with the host's own message. Node cannot stop
   * the handler's code, so it runs on; its result is dropped, as the host drops a timed-out one.
   */
  #runWithinTimeout<T>(fn: RegisteredFunction, run: Promise<T>, invocationId: string): Promise<T> {
    const timeoutMs = this.functionTimeoutMs;
    if (timeoutMs === undefined) return run;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.writeLog(
          'error',
          `Timeout value of ${formatTimeSpan(timeoutMs)} exceeded by function 'Functions.${fn.name}' (Id: '${invocationId}'). Initiating cancellation.`,
        );
        reject(new FunctionTimeoutError(fn.name, timeoutMs));
      }, timeoutMs);
      run.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error as Error);
        },
      );
    });
  }

  async #run(
    fn: RegisteredFunction,
    plan: BindingPlan,
    trigger: { data: TypedData; metadata?: Record<string, TypedData> },
    bindingData: BindingData,
    invocationId: string,
  ): Promise<CoreInvocationResponse> {
    const registered = this.core.functions.get(fn.name.toLowerCase());
    const model = this.core.programmingModel;
    if (!registered || !model) {
      throw new HostError('FunctionNotFound', `Function "${fn.name}" is not registered by the app.`);
    }
    const inputData: { name: string; data: TypedData | Record<string, never> }[] = [
      { name: fn.triggerBindingName, data: trigger.data },
    ];
    for (const [name, binding] of plan.inputs) {
      const extension = this.extensions.find((candidate) => claimsInput(candidate, binding));
      if (extension) inputData.push({ name, data: extension.provideInput(binding, fn) });
      else if (isBlobBinding(binding)) {
        inputData.push({ name, data: await this.#blobs.read(fn.name, name, binding, bindingData) });
      }
    }
    const coreCtx: {
      invocationId: string;
      request: unknown;
      metadata: unknown;
      state: string | undefined;
      log(level: string, category: string, message: string): void;
    } = {
      invocationId,
      request: { invocationId, functionId: fn.name, inputData, triggerMetadata: trigger.metadata ?? {} },
      metadata: registered.metadata,
      state: undefined,
      log: (level, _category, message) => this.writeLog(level, message),
    };
    const invocationModel = model.getInvocationModel(coreCtx);
    const { context, inputs } = await invocationModel.getArguments();
    const hookData: Record<string, unknown> = {};

    const pre: Record<string, unknown> = {
      hookData,
      appHookData: this.appHookData,
      invocationContext: context,
      functionCallback: registered.callback,
      inputs,
    };
    const runHooks = async (
      hookName: 'preInvocation' | 'postInvocation',
      hookContext: Record<string, unknown>,
    ) => {
      if (!this.core.hasHooks(hookName)) return;
      // While its hooks run, the invocation's state names them (preInvocationHooks, postInvocationHooks).
      coreCtx.state = `${hookName}Hooks`;
      try {
        await this.core.runHooks(hookName, hookContext);
      } finally {
        coreCtx.state = undefined;
      }
    };
    await runHooks('preInvocation', pre);

    coreCtx.state = 'invocation';
    let result: unknown;
    let error: unknown;
    try {
      result = await invocationModel.invokeFunction(
        context,
        pre['inputs'] as unknown[],
        pre['functionCallback'] as (...args: unknown[]) => unknown,
      );
    } catch (thrown) {
      error = thrown;
    }

    const post: Record<string, unknown> = {
      hookData,
      appHookData: this.appHookData,
      invocationContext: context,
      inputs: pre['inputs'],
      result,
      error,
    };
    await runHooks('postInvocation', post);
    if (post['error'] !== undefined && post['error'] !== null) throw post['error'];
    return invocationModel.getResponse(context, post['result']);
  }

  /** Output blobs are written once the function has returned successfully, as the host flushes them. */
  async #writeBlobOutputs(
    fn: RegisteredFunction,
    plan: BindingPlan,
    response: CoreInvocationResponse,
    bindingData: BindingData,
  ): Promise<void> {
    for (const [name, binding] of plan.blobOutputs) {
      const data =
        name === '$return'
          ? response.returnValue
          : (response.outputData ?? []).find((output) => output.name === name)?.data;
      if (typeof data !== 'object' || data === null || Object.keys(data).length === 0) continue;
      await this.#blobs.write(fn.name, name, binding, bindingData, data);
    }
  }
}

/** A write to an output binding nothing here delivers fails the invocation rather than vanishing. */
function refuseUndeliverableOutputs(
  fn: RegisteredFunction,
  plan: BindingPlan,
  response: CoreInvocationResponse,
): void {
  for (const [name, binding] of plan.undeliverableOutputs) {
    const written =
      name === '$return'
        ? response.returnValue !== undefined && response.returnValue !== null
        : (response.outputData ?? []).some((output) => output.name === name);
    if (written) {
      throw new HostError(
        'BindingNotSupported',
        `Function "${fn.name}" wrote to its output binding "${name}" of type "${binding.type}", which the ` +
          'local host cannot deliver; the invocation fails so the write is not lost silently.',
      );
    }
  }
}
