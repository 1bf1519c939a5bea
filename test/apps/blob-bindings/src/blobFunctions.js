import { app, input, output } from '@azure/functions';

// Text in, text out: the route's {name} names both blobs; the container comes from an app setting.
const noteIn = input.storageBlob({
  path: '%NOTES_CONTAINER%/{name}.txt',
  connection: 'NotesStorage',
  dataType: 'string',
});
const noteOut = output.storageBlob({ path: '%NOTES_CONTAINER%/{name}.txt', connection: 'NotesStorage' });

app.http('readNote', {
  methods: ['GET'],
  route: 'notes/{name}',
  extraInputs: [noteIn],
  handler: (_request, context) => {
    const note = context.extraInputs.get(noteIn);
    return {
      jsonBody: { type: note === undefined ? 'undefined' : note === null ? 'null' : typeof note, note },
    };
  },
});

app.http('writeNote', {
  methods: ['PUT'],
  route: 'notes/{name}',
  extraOutputs: [noteOut],
  handler: async (request, context) => {
    const text = await request.text();
    context.extraOutputs.set(noteOut, text);
    if (request.query.get('fail') === 'after-set') throw new Error('failed after setting the output');
    return { status: 201, body: 'written' };
  },
});

// Bytes: the default data type of a blob input is a Buffer, and a Buffer output is written as is.
const binIn = input.storageBlob({ path: 'binaries/{name}', connection: 'NotesStorage' });
const binOut = output.storageBlob({ path: 'binaries/{name}', connection: 'NotesStorage' });
const copyOut = output.storageBlob({ path: 'copies/{target}', connection: 'NotesStorage' });

app.http('copyBinary', {
  methods: ['POST'],
  route: 'binaries/{name}/copy/{target}',
  extraInputs: [binIn],
  extraOutputs: [copyOut],
  handler: (_request, context) => {
    const content = context.extraInputs.get(binIn);
    if (content !== undefined) context.extraOutputs.set(copyOut, content);
    return { jsonBody: { isBuffer: Buffer.isBuffer(content), length: content?.length ?? null } };
  },
});

app.http('writeBinary', {
  methods: ['PUT'],
  route: 'binaries/{name}',
  extraOutputs: [binOut],
  handler: async (request, context) => {
    context.extraOutputs.set(binOut, Buffer.from(await request.arrayBuffer()));
    return { status: 201 };
  },
});

// Built-in expressions and JSON body properties as binding data.
const stamped = output.storageBlob({
  path: 'stamped/{DateTime}-{rand-guid}.json',
  connection: 'NotesStorage',
});
app.http('stamp', {
  methods: ['POST'],
  extraOutputs: [stamped],
  handler: async (request, context) => {
    context.extraOutputs.set(stamped, await request.json());
    return { status: 202 };
  },
});

const byOwner = output.storageBlob({ path: 'owners/{owner}/{Query.kind}.txt', connection: 'NotesStorage' });
app.http('saveForOwner', {
  methods: ['POST'],
  extraOutputs: [byOwner],
  handler: async (request, context) => {
    const body = await request.json();
    context.extraOutputs.set(byOwner, `saved for ${body.owner}`);
    return { status: 201 };
  },
});

// A name with no value in the binding data: the invocation fails and nothing is written.
const unresolvable = output.storageBlob({ path: 'nowhere/{missingName}.txt', connection: 'NotesStorage' });
app.http('writeNowhere', {
  methods: ['POST'],
  extraOutputs: [unresolvable],
  handler: (_request, context) => {
    context.extraOutputs.set(unresolvable, 'lost?');
    return { status: 201 };
  },
});
