import { createHash } from 'node:crypto';
import { app } from '@azure/functions';

// Echoes the request body byte for byte, so binary uploads can be checked end to end.
app.post('binaryEcho', {
  route: 'binary',
  handler: async (request) => {
    const body = Buffer.from(await request.arrayBuffer());
    return {
      status: 200,
      headers: {
        'content-type': 'application/octet-stream',
        'x-body-sha256': createHash('sha256').update(body).digest('hex'),
      },
      body,
    };
  },
});
