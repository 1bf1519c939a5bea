import type { InstanceRow, RuntimeStatus } from './storeRows.js';
import { type HistoryEvent, historyEventTypeName } from './historyEvent.js';
import { parseJsonText } from './orchestratorTrigger.js';

/** One history event as the status API shows it: the event type by name, JSON fields decoded. */
export type HistoryEventView = { EventType: string } & Record<string, unknown>;

/**
 * The JSON the webhook API answers for an instance (status query, list entries). `input` and
 * `output` are always present, as in the extension; `historyEvents` only with `showHistory=true`.
 */
export interface InstanceStatusBody<CustomStatus = unknown, Output = unknown> {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: CustomStatus;
  output: Output;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: HistoryEventView[];
}

export function instanceStatusBody(
  instance: InstanceRow,
  options: { showInput: boolean; history?: HistoryEvent[]; showHistoryOutput?: boolean },
): InstanceStatusBody {
  const body: InstanceStatusBody = {
    name: instance.name,
    instanceId: instance.instanceId,
    runtimeStatus: instance.runtimeStatus,
    input: options.showInput ? parseJsonText(instance.input) : null,
    customStatus: parseJsonText(instance.customStatus),
    output: parseJsonText(instance.output),
    createdTime: new Date(instance.createdAt).toISOString(),
    lastUpdatedTime: new Date(instance.updatedAt).toISOString(),
  };
  if (options.history) {
    body.historyEvents = options.history.map(({ EventType, IsPlayed: _played, ...fields }) => {
      const shown: HistoryEventView = { EventType: historyEventTypeName(EventType), ...fields };
      if (!options.showHistoryOutput) {
        delete shown.Result;
        delete shown.Input;
      }
      for (const key of ['Result', 'Input']) {
        if (typeof shown[key] === 'string') shown[key] = parseJsonText(shown[key] as string);
      }
      return shown;
    });
  }
  return body;
}
