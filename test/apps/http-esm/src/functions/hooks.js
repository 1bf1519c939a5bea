import { appendFileSync } from 'node:fs';
import { app } from '@azure/functions';

const hookLog = process.env.HOOK_LOG_FILE;
const record = (line) => {
  if (hookLog) appendFileSync(hookLog, `${line}\n`);
};

app.hook.appStart((context) => {
  context.hookData.startedAt = Date.now();
  record('appStart');
});

app.hook.appTerminate(() => {
  record('appTerminate');
});

app.hook.preInvocation((context) => {
  context.hookData.preInvocationFor = context.invocationContext.functionName;
  if (context.invocationContext.functionName === 'hooked') {
    context.inputs = ['replaced-by-preInvocation'];
  }
});

app.hook.postInvocation((context) => {
  if (context.invocationContext.functionName !== 'hooked') return;
  record(`postInvocation:${context.invocationContext.functionName}`);
  context.result = {
    ...context.result,
    headers: { 'x-pre-invocation-for': context.hookData.preInvocationFor },
  };
});

// The pre-invocation hook swaps the trigger input, the post-invocation hook decorates the result.
app.http('hooked', {
  methods: ['GET'],
  handler: async (request) => ({
    jsonBody: { input: typeof request === 'string' ? request : 'original request' },
  }),
});
