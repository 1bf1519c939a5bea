/** Activity function names, shared by the orchestrator and the registrations in src/app/functions. */
export const JOB_ACTIVITIES = {
  loadJobSettings: 'loadJobSettings',
  createJobContainer: 'createJobContainer',
  inspectJobContainer: 'inspectJobContainer',
  deleteJobContainer: 'deleteJobContainer',
  stopJobContainer: 'stopJobContainer',
} as const;
