// The samples' fan-out/fan-in backup: list the files under a folder, copy each to a blob through
// an output binding whose path takes {backupPath} from the activity input, and sum the bytes.
/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- CommonJS, as samples-js is */
const { output } = require('@azure/functions');
const df = require('durable-functions');
const fs = require('node:fs/promises');
const path = require('node:path');

df.app.orchestration('backupSiteContent', function* (context) {
  const rootDir = context.df.getInput();
  if (!rootDir) throw new Error('A directory path is required as an input.');
  const rootDirAbs = path.resolve(rootDir);
  const files = yield context.df.callActivity('getFileList', rootDirAbs);
  const tasks = files.map((file) =>
    context.df.callActivity('copyFileToBlob', {
      backupPath: path.relative(rootDirAbs, file).split(path.sep).join('/'),
      filePath: file,
    }),
  );
  const results = yield context.df.Task.all(tasks);
  return results.reduce((total, bytes) => total + bytes, 0);
});

df.app.activity('getFileList', {
  handler: async (rootDirectory) => {
    const entries = await fs.readdir(rootDirectory, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
  },
});

const blobOutput = output.storageBlob({ path: 'backups/{backupPath}', connection: 'StorageConnString' });

df.app.activity('copyFileToBlob', {
  extraOutputs: [blobOutput],
  handler: async ({ backupPath, filePath }, context) => {
    const stats = await fs.stat(filePath);
    context.log(`Copying '${filePath}' to 'backups/${backupPath}'. Total bytes = ${stats.size}.`);
    context.extraOutputs.set(blobOutput, await fs.readFile(filePath));
    return stats.size;
  },
});
