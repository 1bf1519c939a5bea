import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';

/** One activity of an orchestration: its implementation and, beside it, how a throw is retried. */
export interface ActivityDefinition<Input, Outcome> {
  run: (input: Input, context: InvocationContext) => Outcome | Promise<Outcome>;
  /** Without one, a throw fails the call at once. */
  retry?: df.RetryOptions;
  /** Binds a durable client, so `df.getClient(context)` works inside `run`. */
  durableClient?: boolean;
}

/** An orchestration's activities by function name; registrations and calls are both made from it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table's entries differ in types
export type ActivityTable = Record<string, ActivityDefinition<any, any>>;

/** Names the input and outcome types of one entry, so the table keeps them for the proxy. */
export function defineActivity<Input = void, Outcome = unknown>(
  definition: ActivityDefinition<Input, Outcome>,
): ActivityDefinition<Input, Outcome> {
  return definition;
}

/** A call from an orchestrator: `const outcome = yield* activities.name(input)`. */
export type ActivityCall<Outcome> = Generator<Task, Outcome, unknown>;

/** The typed face of a table, as the orchestrator sees it (like Temporal's `proxyActivities`). */
export type ActivityProxy<Table extends ActivityTable> = {
  [Name in keyof Table]: Table[Name] extends ActivityDefinition<infer Input, infer Outcome>
    ? (...input: Input extends void ? [] : [input: Input]) => ActivityCall<Awaited<Outcome>>
    : never;
};

/** Calls each activity under its table name with its retry policy; the outcome comes back typed. */
export function proxyActivities<Table extends ActivityTable>(
  context: OrchestrationContext,
  table: Table,
): ActivityProxy<Table> {
  const proxy: Record<string, (input?: unknown) => ActivityCall<unknown>> = {};
  for (const [name, definition] of Object.entries(table)) {
    proxy[name] = function* call(...args: unknown[]) {
      // An activity without input is scheduled without one, as a direct callActivity(name) would be.
      const hasInput = args.length > 0;
      const { retry } = definition;
      if (retry)
        return yield hasInput
          ? context.df.callActivityWithRetry(name, retry, args[0])
          : context.df.callActivityWithRetry(name, retry);
      return yield hasInput ? context.df.callActivity(name, args[0]) : context.df.callActivity(name);
    };
  }
  // The table's own types describe what each scheduled activity returns.
  return proxy as ActivityProxy<Table>;
}

/** Registers every activity of a table under its name. */
export function registerActivities(table: ActivityTable): void {
  for (const [name, definition] of Object.entries(table))
    df.app.activity(name, {
      handler: (input: unknown, context: InvocationContext) => definition.run(input, context),
      ...(definition.durableClient ? { extraInputs: [df.input.durableClient()] } : {}),
    });
}
