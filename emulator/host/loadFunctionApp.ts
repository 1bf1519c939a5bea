import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HostError } from './HostError.js';

/**
 * Loads a Node v4-model app the way the Functions Node worker does: every file matched by the
 * `main` glob of the app's package.json, `import()`ed when it is ESM and `require`d when CommonJS.
 * Returns the loaded files relative to the app.
 */
export async function loadFunctionApp(appDir: string): Promise<string[]> {
  const packagePath = join(appDir, 'package.json');
  if (!existsSync(packagePath)) {
    throw new HostError(
      'AppNotFound',
      `${appDir} has no package.json; point --app at a function app folder.`,
    );
  }
  const packageJson = JSON.parse(readFileSync(packagePath, 'utf8')) as { main?: unknown };
  if (typeof packageJson.main !== 'string' || packageJson.main.trim() === '') {
    throw new HostError(
      'AppEntryPointMissing',
      `${packagePath} has no "main"; the v4 programming model needs it to name the files that register functions.`,
    );
  }
  const files = expandGlob(appDir, packageJson.main);
  if (files.length === 0) {
    throw new HostError(
      'AppEntryPointNoFiles',
      `No files match "main": "${packageJson.main}" in ${appDir} (is the app built?).`,
    );
  }
  for (const file of files) {
    try {
      if (isEsModule(file)) await import(pathToFileURL(file).href);
      else createRequire(file)(file);
    } catch (error) {
      throw new HostError(
        'AppLoadFailed',
        `Loading ${relative(appDir, file)} failed: ${(error as Error)?.message ?? String(error)}`,
        false,
        { cause: error },
      );
    }
  }
  return files.map((file) => relative(appDir, file));
}

function isEsModule(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      return (JSON.parse(readFileSync(candidate, 'utf8')) as { type?: unknown }).type === 'module';
    }
    if (dirname(dir) === dir) return false;
  }
}

/** Minimal glob (`*`, `**`, `?`, `{a,b}`) relative to `baseDir`; results sorted for a stable load order. */
export function expandGlob(baseDir: string, pattern: string): string[] {
  const normalized = pattern.replace(/\\/g, '/').replace(/^\.\//, '');
  if (!/[*?{]/.test(normalized)) {
    const file = resolve(baseDir, normalized);
    return existsSync(file) && statSync(file).isFile() ? [file] : [];
  }
  const segments = normalized.split('/');
  const firstWild = segments.findIndex((segment) => /[*?{]/.test(segment));
  const root = resolve(baseDir, ...segments.slice(0, firstWild));
  const matcher = globToRegExp(segments.slice(firstWild).join('/'));
  const matches: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (matcher.test(relative(root, full).split(sep).join('/'))) matches.push(full);
    }
  };
  walk(root);
  return matches.sort();
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '{') {
      const end = glob.indexOf('}', i);
      const options = glob.slice(i + 1, end).split(',');
      source += `(?:${options.map((option) => option.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('|')})`;
      i = end;
    } else source += char.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
