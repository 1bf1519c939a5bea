import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  declaration,
  loadTemplates,
  objectProperties,
  propertyAt,
  repoRoot,
  resourcesOfType,
  stringLiteral,
  syntaxProblems,
} from './bicepTemplate.js';

const { main, fileAt } = await loadTemplates();
const task = fileAt('bicep/modules/workerImageTask.bicep');

function rebuildTask() {
  const [resource] = resourcesOfType(task, 'Microsoft.ContainerRegistry/registries/tasks');
  if (!resource?.value) throw new Error('no ACR task resource');
  return resource.value;
}

describe('the worker image rebuild task (bicep/modules/workerImageTask.bicep)', () => {
  it('parses', () => {
    expect(syntaxProblems(task)).toEqual([]);
  });

  it('rebuilds weekly and when the base image updates', () => {
    const trigger = propertyAt(rebuildTask(), 'properties', 'trigger');
    const timers = propertyAt(trigger, 'timerTriggers')?.namedChildren.filter((n) => n.type === 'object') ?? [];
    expect(timers).toHaveLength(1);
    const timer = objectProperties(timers[0]);
    expect(stringLiteral(timer.get('status'))).toBe('Enabled');
    // The schedule parameter's default: once a week (day-of-week field set, day-of-month open).
    const schedule = stringLiteral(declaration(task, 'param', 'schedule').value) ?? '';
    expect(schedule.split(' ')).toHaveLength(5);
    expect(schedule.split(' ')[2]).toBe('*');
    expect(schedule.split(' ')[4]).toMatch(/^[0-6]$/);
    const baseImage = objectProperties(propertyAt(trigger, 'baseImageTrigger'));
    expect(stringLiteral(baseImage.get('baseImageTriggerType'))).toBe('Runtime');
    expect(stringLiteral(baseImage.get('status'))).toBe('Enabled');
  });

  it('builds container/Dockerfile with the newest yt-dlp, uncached, and moves the tag the app runs', () => {
    const step = propertyAt(rebuildTask(), 'properties', 'step');
    const props = objectProperties(step);
    expect(stringLiteral(props.get('type'))).toBe('Docker');
    expect(stringLiteral(props.get('dockerFilePath'))).toBe('container/Dockerfile');
    expect(props.get('noCache')?.text).toBe('true');
    expect(props.get('isPushEnabled')?.text).toBe('true');
    const args = (props.get('arguments')?.namedChildren ?? [])
      .filter((n) => n.type === 'object')
      .map((n) => objectProperties(n));
    expect(args.map((a) => [stringLiteral(a.get('name')), stringLiteral(a.get('value'))])).toEqual([
      ['YT_DLP_VERSION', 'latest'],
    ]);
    const images = props.get('imageNames')?.namedChildren.map((n) => n.text) ?? [];
    expect(images).toEqual(["'${imageRepository}:${imageTag}'", "'${imageRepository}:{{.Run.ID}}'"]);
  });

  it('the Dockerfile installs YT_DLP_VERSION latest by default and smoke-tests the JavaScript runtime', () => {
    const dockerfile = readFileSync(path.join(repoRoot, 'container/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG YT_DLP_VERSION=latest$/m);
    expect(dockerfile).toContain('install-yt-dlp.sh "$YT_DLP_VERSION" "$YT_DLP_SHA256"');
    expect(dockerfile).toMatch(/--js-runtimes node 2>&1 \| grep -E '\^\\\[debug\\\] JS runtimes: \.\*node-'/);
  });

  it('exists only when main.bicep is given the repository, and moves workerImageTag', () => {
    const module = declaration(main, 'module', 'workerImageTask');
    expect(module.target).toBe('modules/workerImageTask.bicep');
    expect(module.condition?.text).toContain('!empty(workerImageSourceRepository)');
    expect(stringLiteral(declaration(main, 'param', 'workerImageSourceRepository').value)).toBe('');
    const params = objectProperties(propertyAt(module.value, 'params'));
    expect(params.get('imageTag')?.text).toBe('workerImageTag');
    expect(params.get('imageRepository')?.text).toBe('workerImageRepository');
    const parameters = JSON.parse(readFileSync(path.join(repoRoot, 'bicep/main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: string }>;
    };
    expect(parameters.parameters.workerImageSourceRepository?.value).toBe('${WORKER_IMAGE_SOURCE_REPOSITORY}');
  });
});
