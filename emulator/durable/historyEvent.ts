/** History events as the durable-functions replay engine reads them (PascalCase, numeric EventType). */
export const HistoryEventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type HistoryEventTypeNumber = (typeof HistoryEventType)[keyof typeof HistoryEventType];

const historyEventTypeNames = new Map<number, string>(
  Object.entries(HistoryEventType).map(([k, v]) => [v, k]),
);

export function historyEventTypeName(type: number): string {
  return historyEventTypeNames.get(type) ?? `Unknown${type}`;
}

export interface HistoryEvent {
  EventType: HistoryEventTypeNumber;
  EventId: number;
  Timestamp: string;
  IsPlayed?: boolean;
  [field: string]: unknown;
}

/** The serialized failure the extension attaches to TaskFailed and SubOrchestrationInstanceFailed. */
export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
}

export function historyEvent(
  type: HistoryEventTypeNumber,
  fields: Record<string, unknown> = {},
  eventId = -1,
  at: Date = new Date(),
): HistoryEvent {
  return { EventType: type, EventId: eventId, Timestamp: at.toISOString(), ...fields };
}

export function failureDetailsOf(error: Error): FailureDetails {
  return { ErrorType: error.name || 'Error', ErrorMessage: error.message, StackTrace: error.stack ?? '' };
}

/** Encodes a value the way the extension stores it in history: JSON text, or null for nothing. */
export function toJsonText(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
