import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BicepFile,
  declarations,
  descendants,
  loadTemplates,
  objectProperties,
  parseBicep,
  repoRoot,
  stringLiteral,
  syntaxProblems,
} from './bicepTemplate.js';

const { files, fileAt } = await loadTemplates();

function moduleFile(from: BicepFile, modulePath: string): BicepFile {
  const relative = path.posix.join(path.posix.dirname(from.path), modulePath);
  return fileAt(relative);
}

describe('Bicep syntax', () => {
  it('finds main.bicep and its modules', () => {
    expect(files.map((f) => f.path)).toContain('bicep/main.bicep');
    expect(files.length).toBeGreaterThan(5);
  });

  it('parses every .bicep file without error or missing nodes', () => {
    expect(files.flatMap(syntaxProblems)).toEqual([]);
  });

  it('reports a broken template with its line, so the check above can fail', async () => {
    const broken = await parseBicep("param a string\nresource r 'x@1' = {\n  name: \n}\n", 'broken.bicep');
    expect(syntaxProblems(broken).join('\n')).toMatch(/^broken\.bicep:\d+:\d+:/);
  });
});

describe('Bicep module wiring (what the compiler would check)', () => {
  it('points every module declaration at an existing file', () => {
    const missing = files.flatMap((file) =>
      declarations(file, 'module')
        .filter((m) => !existsSync(path.join(repoRoot, path.dirname(file.path), m.target ?? '')))
        .map((m) => `${file.path}: module ${m.name} -> ${m.target}`),
    );
    expect(missing).toEqual([]);
  });

  it('passes every required module parameter and no undeclared one', () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const mod of declarations(file, 'module')) {
        const target = moduleFile(file, mod.target ?? '');
        const declared = new Map(declarations(target, 'param').map((p) => [p.name, p]));
        const passed = new Set(objectProperties(objectProperties(mod.value).get('params')).keys());
        for (const name of passed)
          if (!declared.has(name)) problems.push(`${file.path}: ${mod.name} passes unknown param ${name}`);
        for (const [name, param] of declared)
          if (!param.value && !passed.has(name))
            problems.push(`${file.path}: ${mod.name} omits required param ${name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('reads only outputs that the referenced module declares', () => {
    const problems: string[] = [];
    for (const file of files) {
      const modules = new Map(declarations(file, 'module').map((m) => [m.name, m]));
      for (const member of descendants(file.root, 'member_expression')) {
        const match = /^(\w+)\.outputs\.(\w+)$/.exec(member.text);
        if (!match) continue;
        const [, symbol = '', output = ''] = match;
        const mod = modules.get(symbol);
        if (!mod) {
          problems.push(`${file.path}: ${member.text} names no module`);
          continue;
        }
        const outputs = declarations(moduleFile(file, mod.target ?? ''), 'output').map((o) => o.name);
        if (!outputs.includes(output)) problems.push(`${file.path}: ${member.text} is not an output`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('names every main.bicep output in UPPER_SNAKE case for azd', () => {
    const outputs = declarations(fileAt('bicep/main.bicep'), 'output').map((o) => o.name);
    expect(outputs.length).toBeGreaterThan(5);
    expect(outputs.filter((name) => !/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(name))).toEqual([]);
  });

  it('declares every parameter that main.parameters.json sets, and sets every required one', () => {
    const main = fileAt('bicep/main.bicep');
    const parameterFile = JSON.parse(readFileSync(path.join(repoRoot, 'bicep/main.parameters.json'), 'utf8')) as {
      parameters: Record<string, unknown>;
    };
    const params = declarations(main, 'param');
    const set = Object.keys(parameterFile.parameters);
    expect(set.filter((name) => !params.some((p) => p.name === name))).toEqual([]);
    expect(params.filter((p) => !p.value && !set.includes(p.name)).map((p) => p.name)).toEqual([]);
  });

  it('loads abbreviations that exist for every abbrs.<name> it uses', () => {
    const main = fileAt('bicep/main.bicep');
    const abbreviations = JSON.parse(readFileSync(path.join(repoRoot, 'bicep/abbreviations.json'), 'utf8')) as Record<
      string,
      string
    >;
    const used = descendants(main.root, 'member_expression')
      .map((m) => /^abbrs\.(\w+)$/.exec(m.text)?.[1])
      .filter((name): name is string => name !== undefined);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !(name in abbreviations))).toEqual([]);
  });

  it('runs the Function App on Flex Consumption with Node 22 and an identity-authenticated package container', () => {
    const functionApp = fileAt('bicep/modules/functionApp.bicep');
    const [plan] = declarations(functionApp, 'resource').filter((d) => d.target?.startsWith('Microsoft.Web/serverfarms@'));
    const [site] = declarations(functionApp, 'resource').filter((d) => d.target?.startsWith('Microsoft.Web/sites@'));
    const sku = objectProperties(objectProperties(plan?.value).get('sku'));
    expect(stringLiteral(sku.get('tier'))).toBe('FlexConsumption');
    expect(stringLiteral(sku.get('name'))).toBe('FC1');
    const config = objectProperties(objectProperties(objectProperties(site?.value).get('properties')).get('functionAppConfig'));
    const runtime = objectProperties(config.get('runtime'));
    expect(stringLiteral(runtime.get('name'))).toBe('node');
    expect(stringLiteral(runtime.get('version'))).toBe('22');
    expect(config.get('scaleAndConcurrency')).toBeDefined();
    const auth = objectProperties(
      objectProperties(objectProperties(config.get('deployment')).get('storage')).get('authentication'),
    );
    expect(stringLiteral(auth.get('type'))).toBe('UserAssignedIdentity');
  });
});
