import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';

/**
 * Reads the Bicep templates with the tree-sitter Bicep grammar (no Bicep compiler runs offline) and
 * offers the few look-ups the template tests need: declarations, object properties, simple values.
 */
export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const bicepRoot = path.join(repoRoot, 'bicep');

export interface BicepFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  source: string;
  root: Node;
}

export type DeclarationKind = 'param' | 'var' | 'resource' | 'module' | 'output';

export interface Declaration {
  kind: DeclarationKind;
  name: string;
  node: Node;
  /** Resource type with API version, or module path. */
  target?: string;
  /** The value or body: default of a param, value of a var/output, object body of a resource/module. */
  value: Node | undefined;
  /** Condition of `= if (...)`. */
  condition?: Node;
  existing: boolean;
}

let parserPromise: Promise<Parser> | undefined;

export function bicepParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const require = createRequire(import.meta.url);
    const grammarDir = path.dirname(require.resolve('tree-sitter-bicep/package.json'));
    const language = await Language.load(path.join(grammarDir, 'tree-sitter-bicep.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

export async function parseBicep(source: string, filePath = 'inline.bicep'): Promise<BicepFile> {
  const parser = await bicepParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error(`tree-sitter returned no tree for ${filePath}`);
  return { path: filePath, source, root: tree.rootNode };
}

function bicepPaths(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return bicepPaths(full);
      return entry.name.endsWith('.bicep') ? [full] : [];
    })
    .sort();
}

export async function loadBicepFiles(): Promise<BicepFile[]> {
  const files: BicepFile[] = [];
  for (const full of bicepPaths(bicepRoot)) {
    const relative = path.relative(repoRoot, full).split(path.sep).join('/');
    files.push(await parseBicep(readFileSync(full, 'utf8'), relative));
  }
  return files;
}

export function fileNamed(files: BicepFile[], relativePath: string): BicepFile {
  const file = files.find((f) => f.path === relativePath);
  if (!file) throw new Error(`${relativePath} not found among ${files.map((f) => f.path).join(', ')}`);
  return file;
}

/** The parsed Bicep files and the look-ups most template tests start from. */
export interface BicepTemplates {
  files: BicepFile[];
  /** `bicep/main.bicep`. */
  main: BicepFile;
  /** A file by its path from the repository root, such as `bicep/modules/jobSubnet.bicep`. */
  fileAt(relativePath: string): BicepFile;
}

/** Parses the templates once for a test file: `const { files, main, fileAt } = await loadTemplates();`. */
export async function loadTemplates(): Promise<BicepTemplates> {
  const files = await loadBicepFiles();
  return {
    files,
    main: fileNamed(files, 'bicep/main.bicep'),
    fileAt: (relativePath) => fileNamed(files, relativePath),
  };
}

/** ERROR and MISSING nodes, with 1-based positions, so a failure points at the line to fix. */
export function syntaxProblems(file: BicepFile): string[] {
  const problems: string[] = [];
  const walk = (node: Node): void => {
    if (node.isError || node.isMissing) {
      const { row, column } = node.startPosition;
      const what = node.isMissing ? `missing ${node.type}` : `cannot parse "${node.text.slice(0, 60)}"`;
      problems.push(`${file.path}:${row + 1}:${column + 1}: ${what}`);
    }
    for (const child of node.children) walk(child);
  };
  if (file.root.hasError) walk(file.root);
  return problems;
}

const KIND_BY_NODE: Record<string, DeclarationKind> = {
  parameter_declaration: 'param',
  variable_declaration: 'var',
  resource_declaration: 'resource',
  module_declaration: 'module',
  output_declaration: 'output',
};

export function declarations(file: BicepFile, kind?: DeclarationKind): Declaration[] {
  const out: Declaration[] = [];
  for (const node of file.root.namedChildren) {
    const declKind = KIND_BY_NODE[node.type];
    if (!declKind || (kind && declKind !== kind)) continue;
    const named = node.namedChildren.filter((c) => c.type !== 'comment');
    const name = named[0]?.text ?? '';
    const decl: Declaration = { kind: declKind, name, node, value: undefined, existing: false };
    if (declKind === 'resource' || declKind === 'module') {
      decl.target = stringLiteral(named[1]);
      decl.existing = node.children.some((c) => !c.isNamed && c.type === 'existing');
      const body = named[2];
      if (body?.type === 'if_statement') {
        const parts = body.namedChildren;
        decl.condition = parts[0];
        decl.value = parts.find((c) => c.type === 'object');
      } else {
        decl.value = body;
      }
    } else if (declKind === 'var') {
      decl.value = named[1];
    } else {
      // param/output: identifier, type, value (a param's value is its default).
      decl.value = named.slice(1).find((c) => c.type !== 'type');
    }
    out.push(decl);
  }
  return out;
}

export function declaration(file: BicepFile, kind: DeclarationKind, name: string): Declaration {
  const found = declarations(file, kind).find((d) => d.name === name);
  if (!found) throw new Error(`${file.path} declares no ${kind} named ${name}`);
  return found;
}

export function resourcesOfType(file: BicepFile, typePrefix: string): Declaration[] {
  return declarations(file, 'resource').filter((d) => d.target?.split('@')[0] === typePrefix);
}

/** A plain string literal's text; undefined for interpolated strings and anything else. */
export function stringLiteral(node: Node | undefined | null): string | undefined {
  if (!node || node.type !== 'string') return undefined;
  if (node.namedChildren.some((c) => c.type === 'interpolation')) return undefined;
  return node.namedChildren
    .map((c) => c.text)
    .join('')
    .replace(/\\'/g, "'");
}

/** Key of an object property: an identifier or a quoted string. */
export function propertyKey(property: Node): string {
  const key = property.namedChildren[0];
  if (!key) return '';
  return key.type === 'string' ? (stringLiteral(key) ?? key.text) : key.text;
}

export function objectProperties(object: Node | undefined): Map<string, Node> {
  const map = new Map<string, Node>();
  if (!object || object.type !== 'object') return map;
  for (const property of object.namedChildren) {
    if (property.type !== 'object_property') continue;
    const value = property.namedChildren.filter((c) => c.type !== 'comment')[1];
    if (value) map.set(propertyKey(property), value);
  }
  return map;
}

/** Follows a path of property names through nested object literals. */
export function propertyAt(object: Node | undefined, ...keys: string[]): Node | undefined {
  let current = object;
  for (const key of keys) current = objectProperties(current).get(key);
  return current;
}

export function callName(call: Node): string {
  return call.childForFieldName('function')?.text ?? '';
}

export function callArguments(call: Node): Node[] {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c) => c.type !== 'comment');
}

export function descendants(node: Node, type: string): Node[] {
  return node.descendantsOfType(type).filter((n): n is Node => n !== null);
}

/** The declaration (resource, module, …) whose span contains the node. */
export function enclosingDeclaration(file: BicepFile, node: Node): Declaration | undefined {
  return declarations(file).find(
    (d) => d.node.startIndex <= node.startIndex && node.endIndex <= d.node.endIndex,
  );
}

/**
 * The names of the modules in `file` that are handed `expression` (e.g. an identity's principal id), once
 * per use, sorted.
 */
export function modulesReceiving(file: BicepFile, expression: string): string[] {
  return descendants(file.root, 'member_expression')
    .filter((m) => m.text === expression)
    .map((m) => enclosingDeclaration(file, m))
    .filter((d) => d?.kind === 'module')
    .map((d) => d?.name ?? '')
    .sort();
}

/** The first custom role defined in `file`, and its `properties` and `permissions` entries. */
export function firstCustomRole(file: BicepFile): {
  role: Declaration | undefined;
  properties: Map<string, Node>;
  permissions: Node[];
} {
  const [role] = resourcesOfType(file, 'Microsoft.Authorization/roleDefinitions');
  const properties = objectProperties(propertyAt(role?.value, 'properties'));
  return { role, properties, permissions: properties.get('permissions')?.namedChildren ?? [] };
}

export interface SettingEntry {
  name: string;
  value: Node;
  /** Set only in one branch of a condition. */
  conditional: boolean;
}

/**
 * Entries of an app settings expression built from object literals, `union(...)`, variables and
 * conditionals. Anything else is reported, so a setting can never hide in an expression the test skips.
 */
export function settingEntries(file: BicepFile, expression: Node, conditional = false): SettingEntry[] {
  switch (expression.type) {
    case 'object':
      return [...objectProperties(expression)].map(([name, value]) => ({ name, value, conditional }));
    case 'parenthesized_expression': {
      const inner = expression.namedChildren[0];
      return inner ? settingEntries(file, inner, conditional) : [];
    }
    case 'identifier': {
      const variable = declaration(file, 'var', expression.text);
      if (!variable.value) throw new Error(`var ${expression.text} has no value`);
      return settingEntries(file, variable.value, conditional);
    }
    case 'ternary_expression': {
      const branches = ['consequence', 'alternative'].map((f) => expression.childForFieldName(f));
      return branches.flatMap((b) => (b ? settingEntries(file, b, true) : []));
    }
    case 'call_expression':
      if (callName(expression) === 'union')
        return callArguments(expression).flatMap((a) => settingEntries(file, a, conditional));
      break;
  }
  throw new Error(`${file.path}: cannot list settings of "${expression.text.slice(0, 80)}"`);
}

/** Arguments of a declaration's decorator (`@allowed([...])` → its array); undefined when absent. */
export function decoratorArguments(decl: Declaration, name: string): Node[] | undefined {
  const decorators = decl.node.previousNamedSibling;
  if (decorators?.type !== 'decorators') return undefined;
  const call = decorators.namedChildren
    .map((d) => d.namedChildren[0])
    .find((c) => c?.type === 'call_expression' && callName(c) === name);
  return call ? callArguments(call) : undefined;
}

/** The string literals of an array literal, in order. */
export function stringArray(node: Node | undefined): (string | undefined)[] {
  if (node?.type !== 'array') return [];
  return node.namedChildren.filter((c) => c.type !== 'comment').map((c) => stringLiteral(c));
}
