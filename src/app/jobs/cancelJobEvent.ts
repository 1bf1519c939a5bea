/**
 * The external event the cancel route raises and the orchestrator waits on alongside the worker's
 * report (a playlist job passes it on to its running items). Only the app raises it: the callback
 * route accepts the worker's own events and no other.
 */
export const CANCEL_JOB_EVENT = 'CancelJob';

/** The error code a canceled job ends with; the job view reads it as status Canceled. */
export const CANCELED_CODE = 'CANCELED';
