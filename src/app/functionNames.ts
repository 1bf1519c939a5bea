/**
 * The name of every function this app registers, used by the registrations, the starter, the
 * janitor and the tests alike. Renaming one here renames it everywhere (and orphans running instances).
 */
export const FUNCTION_NAMES = {
  orchestratorHttpStart: 'orchestrator_httpstart',
  jobCallback: 'jobCallback',
  jobStatus: 'jobStatus',
  jobs: 'jobs',
  job: 'job',
  cancelJob: 'cancelJob',
  openApi: 'openApi',
  orphanJanitor: 'orphanJanitor',
  jobOrchestrator: 'jobOrchestrator',
  loadJobSettings: 'loadJobSettings',
  createJobContainer: 'createJobContainer',
  inspectJobContainer: 'inspectJobContainer',
  deleteJobContainer: 'deleteJobContainer',
  stopJobContainer: 'stopJobContainer',
  deleteJobBlobs: 'deleteJobBlobs',
  forgetSignedSource: 'forgetSignedSource',
  readJobSignals: 'readJobSignals',
  recordJobRunEnded: 'recordJobRunEnded',
  startJobNotifications: 'startJobNotifications',
  jobNotificationOrchestrator: 'jobNotificationOrchestrator',
  deliverJobWebhook: 'deliverJobWebhook',
  sendJobEmail: 'sendJobEmail',
  uploads: 'uploads',
  startUploadJob: 'startUploadJob',
} as const;
