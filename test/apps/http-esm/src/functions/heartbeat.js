import { app } from '@azure/functions';

app.timer('startupTimer', {
  schedule: '0 0 0 1 1 *',
  runOnStartup: true,
  useMonitor: false,
  handler: async (timer, context) => {
    context.log(
      `startupTimer fired (isPastDue=${timer.isPastDue}, next=${timer.scheduleStatus?.next ?? 'none'})`,
    );
  },
});

app.timer('everySecond', {
  schedule: '* * * * * *',
  handler: async (_timer, context) => {
    context.log('everySecond fired');
  },
});

app.timer('heartbeat', {
  schedule: '%HEARTBEAT_SCHEDULE%',
  handler: async (_timer, context) => {
    context.log('heartbeat fired');
  },
});

app.storageBlob('onUpload', {
  path: 'uploads/{name}',
  connection: 'AzureWebJobsStorage',
  handler: async () => {},
});
