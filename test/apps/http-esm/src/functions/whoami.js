import { app } from '@azure/functions';

// Answers the principal App Service Authentication passed in, decoded, as an app would read it.
app.get('whoami', {
  handler: async (request) => {
    const encoded = request.headers.get('x-ms-client-principal');
    if (!encoded) return { status: 401, jsonBody: { signedIn: false } };
    const principal = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    const claim = (typ) => principal.claims.filter((c) => c.typ === typ).map((c) => c.val);
    return {
      jsonBody: {
        signedIn: true,
        authType: principal.auth_typ,
        name: claim(principal.name_typ)[0],
        roles: claim(principal.role_typ),
        id: request.headers.get('x-ms-client-principal-id'),
        headerName: request.headers.get('x-ms-client-principal-name'),
        idp: request.headers.get('x-ms-client-principal-idp'),
      },
    };
  },
});
