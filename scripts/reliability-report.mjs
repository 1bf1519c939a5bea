// Writes docs/reliability.md from the rows the reliability tests left behind. Run the suite first:
//   MEDIAFERRY_WRITE_RELIABILITY_REPORT=1 npx vitest run test/reliability && node scripts/reliability-report.mjs
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rowsDir = process.env.MEDIAFERRY_RELIABILITY_ROWS ?? join(tmpdir(), 'mediaferry-reliability-rows');
if (!existsSync(rowsDir)) {
  console.error(
    `No rows in ${rowsDir}: run the reliability tests with MEDIAFERRY_WRITE_RELIABILITY_REPORT=1 first.`,
  );
  process.exit(1);
}
const rows = readdirSync(rowsDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(rowsDir, f), 'utf8')))
  .sort((a, b) => a.id.localeCompare(b.id));
const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const doc = `# Reliability under faults

Each row is one end-to-end test in \`test/reliability/\` on the local stack (Azurite, managed identity
endpoint, ACI emulator running workers as processes, the local Functions + Durable host running this
app). Every test ends with each job in a final state, the expected output or error code, and no
container group or worker process left. "Observed" is what the last run recorded.

Regenerate: \`MEDIAFERRY_WRITE_RELIABILITY_REPORT=1 npx vitest run test/reliability && node scripts/reliability-report.mjs\`

| case | fault | expected | observed |
|---|---|---|---|
${rows.map((r) => `| \`${r.id}\` | ${cell(r.fault)} | ${cell(r.expected)} | ${cell(r.observed)} |`).join('\n')}

The worker crash and hang cases submit their jobs with \`maxAttempts: 1\`, since they check how a
single run ends. With the default of two attempts such a job runs once more in a fresh group;
\`test/system/jobRetries.test.ts\` checks that end to end, with the ACI emulator's \`containerCrash\`
fault killing the first attempt's container before it reports: the second attempt succeeds, the job
view says \`attempts: 2\`, and only its output is left.

## The orphan janitor

\`orphanJanitor\` (src/app/janitor/orphanJanitor.ts) runs on \`JANITOR_SCHEDULE\` (default every 10 minutes),
lists the container groups tagged \`managed-by: mediaferry\` in \`JOBS_RESOURCE_GROUP\`, and deletes:

- the group of an orchestration that has finished (Completed, Failed, Terminated), when the group was
  created before the orchestration's last update (so a group of a newer run under the same id is kept);
- a group whose \`mediaferry-instance\` names an instance the durable client does not know, or that has
  no instance tag, once it is older than the grace period (10 minutes: it may belong to a job this app
  cannot see yet, or to another deployment sharing the resource group);
- any group older than the longest a job can live: \`JOB_DEADLINE_MINUTES + QUOTA_WAIT_MINUTES\` + 15
  minutes (exit-report grace, cleanup retries and slack), counted from its \`mediaferry-created\` tag.

It keeps the group of a Running, Pending or Suspended orchestration, and any group whose status it
cannot read in that pass. Each removal is logged as
\`Janitor removed container group <name>: <reason>: <detail>\`, and each pass ends with a count.
`;
const target = join(import.meta.dirname, '..', 'docs', 'reliability.md');
// Written as prettier would leave it, so `prettier --check` and a regenerated identical file agree.
const prettier = await import('prettier');
const options = (await prettier.resolveConfig(target)) ?? {};
writeFileSync(target, await prettier.format(doc, { ...options, filepath: target }));
console.log(`docs/reliability.md: ${rows.length} cases`);
