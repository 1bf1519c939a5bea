/** Actions an orchestrator returns each episode, and the flattening that gives them their task ids. */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  ScheduledSignalEntity: 10,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export interface RetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface OrchestratorAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: RetryOptions;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  /** CallEntity / SignalEntity: the operation name (the entity's id is in `instanceId`). */
  operation?: string;
  /** LockEntities: the request id the answer is raised under, and the entities in sorted order. */
  lockRequestId?: string;
  lockSet?: Array<{ name: string; key: string }>;
  compoundActions?: OrchestratorAction[];
}

/** What an orchestrator returns: all actions since it started, plus its state. */
export interface OrchestratorState {
  isDone: boolean;
  actions: OrchestratorAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
  failureDetails?: unknown;
}

/** Depth-first through WhenAll/WhenAny: the order in which the replay engine numbers tasks. */
export function flattenActions(actions: OrchestratorAction[][]): OrchestratorAction[] {
  const leaves: OrchestratorAction[] = [];
  const visit = (action: OrchestratorAction): void => {
    if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
      for (const child of action.compoundActions ?? []) visit(child);
    } else {
      leaves.push(action);
    }
  };
  for (const group of actions) for (const action of group) visit(action);
  return leaves;
}

/** Actions that take a task id (a sequence number) when first scheduled. */
export function takesTaskId(action: OrchestratorAction): boolean {
  return (
    action.actionType !== ActionType.WaitForExternalEvent &&
    action.actionType !== ActionType.ContinueAsNew &&
    action.actionType !== ActionType.WhenAll &&
    action.actionType !== ActionType.WhenAny
  );
}

/** Delay before the next attempt, as DurableTask.Core's RetryInterceptor computes it. */
export function retryDelayMs(options: RetryOptions, failedAttempt: number): number {
  const coefficient = options.backoffCoefficient ?? 1;
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(coefficient, failedAttempt - 1);
  const cap = options.maxRetryIntervalInMilliseconds;
  return Math.max(0, cap && cap > 0 ? Math.min(delay, cap) : delay);
}

const actionTypeNames = new Map<number, string>(Object.entries(ActionType).map(([k, v]) => [v, k]));

export function actionTypeName(type: number): string {
  return actionTypeNames.get(type) ?? `action type ${type}`;
}
