import { app } from '@azure/functions';

// Route parameters (constrained and optional), methods and the query string.
app.http('items', {
  methods: ['GET', 'PUT'],
  authLevel: 'function',
  route: 'items/{id:int}/{label?}',
  handler: async (request) => ({
    jsonBody: {
      method: request.method,
      params: request.params,
      query: Object.fromEntries(request.query.entries()),
    },
  }),
});

// A literal route that shares its first segment with the parameterised one.
app.get('itemsSummary', {
  route: 'items/summary',
  handler: async () => ({ jsonBody: { summary: true } }),
});
