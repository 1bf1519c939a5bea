import { HostError } from './HostError.js';

/** One `{name:constraint=default?}` parameter of an HTTP route template. */
export interface RouteParameter {
  name: string;
  constraints: RouteConstraint[];
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
}

export interface RouteConstraint {
  name: string;
  args: string[];
}

export interface RouteTemplate {
  /** The template as written, prefix included, e.g. `api/items/{id:int}`. */
  readonly text: string;
  readonly parameters: readonly RouteParameter[];
  /** Orders routes like ASP.NET routing: literal segments before parameters, catch-alls last. */
  readonly precedence: readonly number[];
  /** Route values for a request path (`/api/items/7`), or undefined when it does not match. */
  match(pathname: string): Record<string, string> | undefined;
}

const PARAMETER_PATTERN =
  /^(\*{1,2})?([A-Za-z_][\w-]*)((?::[A-Za-z]+(?:\((?:[^()]|\([^()]*\))*\))?)*)(?:=([^?]*))?(\?)?$/;

/**
 * Parses an ASP.NET-style route template as the Functions host accepts it: literal segments,
 * `{name}`, optional `{name?}`, defaults `{name=value}`, constraints `{id:int}` and catch-all `{*rest}`.
 */
export function parseRouteTemplate(text: string): RouteTemplate {
  const trimmed = text.replace(/^\/+|\/+$/g, '');
  const parameters: RouteParameter[] = [];
  const precedence: number[] = [];
  let pattern = '^';
  const segments = trimmed === '' ? [] : trimmed.split('/');
  segments.forEach((segment, index) => {
    if (segment === '') throw invalid(text, 'it has an empty segment ("//")');
    const parts = splitSegment(text, segment);
    const segmentParameters = parts.filter((part): part is RouteParameter => typeof part !== 'string');
    parameters.push(...segmentParameters);
    const only = parts.length === 1 ? segmentParameters[0] : undefined;
    if (only?.catchAll) {
      if (index !== segments.length - 1)
        throw invalid(text, 'a catch-all parameter must be the last segment');
      pattern += '(?:/(.*))?';
      precedence.push(4);
      return;
    }
    if (segmentParameters.some((p) => p.catchAll))
      throw invalid(text, 'a catch-all parameter must fill its segment');
    if (only && (only.optional || only.defaultValue !== undefined)) {
      pattern += '(?:/([^/]+))?';
      precedence.push(3);
      return;
    }
    const last = parts.at(-1);
    if (segmentParameters.some((p) => p.optional) && (typeof last === 'string' || !last?.optional)) {
      throw invalid(text, 'only the last parameter of a segment can be optional');
    }
    if (segmentParameters.filter((p) => p.optional).length > 1) {
      throw invalid(text, 'only the last parameter of a segment can be optional');
    }
    pattern += '/';
    for (const part of parts) {
      if (typeof part === 'string') pattern += escapeRegExp(part);
      else pattern += part.optional ? '([^/]*?)' : '([^/]+?)';
    }
    precedence.push(
      segmentParameters.length === 0 ? 0 : segmentParameters.some((p) => p.constraints.length) ? 1 : 2,
    );
  });
  pattern += '/?$';
  const names = new Set<string>();
  for (const parameter of parameters) {
    const key = parameter.name.toLowerCase();
    if (names.has(key)) throw invalid(text, `parameter "${parameter.name}" appears twice`);
    names.add(key);
  }
  const regex = new RegExp(pattern, 'i');

  return {
    text: trimmed,
    parameters,
    precedence,
    match(pathname) {
      const found = regex.exec(pathname === '' ? '/' : pathname);
      if (!found) return undefined;
      const values: Record<string, string> = {};
      for (const [index, parameter] of parameters.entries()) {
        const raw = found[index + 1];
        if (raw === undefined || raw === '') {
          if (parameter.defaultValue !== undefined) values[parameter.name] = parameter.defaultValue;
          else if (!parameter.optional && !parameter.catchAll) return undefined;
          continue;
        }
        let value: string;
        try {
          value = parameter.catchAll
            ? raw.split('/').map(decodeURIComponent).join('/')
            : decodeURIComponent(raw);
        } catch {
          return undefined;
        }
        if (!parameter.constraints.every((constraint) => satisfies(constraint, value))) return undefined;
        values[parameter.name] = value;
      }
      return values;
    },
  };
}

/** Compares two templates so that the more specific one sorts first. */
export function compareRoutePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < length; i++) {
    const left = a.precedence[i] ?? -1;
    const right = b.precedence[i] ?? -1;
    if (left !== right) return left - right;
  }
  return 0;
}

function splitSegment(template: string, segment: string): (string | RouteParameter)[] {
  const parts: (string | RouteParameter)[] = [];
  let literal = '';
  let i = 0;
  while (i < segment.length) {
    const char = segment[i];
    if (char === '{' && segment[i + 1] === '{') {
      literal += '{';
      i += 2;
    } else if (char === '}' && segment[i + 1] === '}') {
      literal += '}';
      i += 2;
    } else if (char === '{') {
      const end = findClosingBrace(segment, i);
      if (end < 0) throw invalid(template, `"${segment}" has an unclosed "{"`);
      if (literal) parts.push(literal);
      literal = '';
      parts.push(parseParameter(template, segment.slice(i + 1, end)));
      i = end + 1;
    } else if (char === '}') {
      throw invalid(template, `"${segment}" has an unmatched "}"`);
    } else {
      literal += char;
      i++;
    }
  }
  if (literal) parts.push(literal);
  for (let k = 1; k < parts.length; k++) {
    if (typeof parts[k] !== 'string' && typeof parts[k - 1] !== 'string') {
      throw invalid(template, `"${segment}" has two parameters with no literal between them`);
    }
  }
  return parts;
}

function findClosingBrace(segment: string, open: number): number {
  let depth = 0;
  for (let i = open + 1; i < segment.length; i++) {
    const char = segment[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '}' && depth === 0) {
      if (segment[i + 1] === '}') {
        i++;
        continue;
      }
      return i;
    }
  }
  return -1;
}

function parseParameter(template: string, body: string): RouteParameter {
  const found = PARAMETER_PATTERN.exec(body.replace(/}}/g, '}').replace(/{{/g, '{'));
  if (!found) throw invalid(template, `"{${body}}" is not a valid parameter`);
  const [, stars, name = '', constraintText = '', defaultValue, question] = found;
  const constraints: RouteConstraint[] = [];
  const constraintPattern = /:([A-Za-z]+)(?:\(((?:[^()]|\([^()]*\))*)\))?/g;
  for (const [, constraintName = '', args] of constraintText.matchAll(constraintPattern)) {
    const constraint = {
      name: constraintName.toLowerCase(),
      args: args === undefined ? [] : constraintName.toLowerCase() === 'regex' ? [args] : args.split(','),
    };
    if (!(constraint.name in CONSTRAINTS)) {
      throw invalid(
        template,
        `constraint "${constraintName}" of "{${body}}" is not a known route constraint`,
      );
    }
    constraints.push(constraint);
  }
  return {
    name,
    constraints,
    optional: Boolean(question),
    catchAll: Boolean(stars),
    ...(defaultValue !== undefined ? { defaultValue } : {}),
  };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const CONSTRAINTS: Record<string, (value: string, args: string[]) => boolean> = {
  int: (v) => /^[+-]?\d+$/.test(v) && Math.abs(Number(v)) <= 2 ** 31,
  long: (v) => /^[+-]?\d+$/.test(v) && Math.abs(Number(v)) <= 2 ** 63,
  float: (v) => NUMBER.test(v),
  double: (v) => NUMBER.test(v),
  decimal: (v) => NUMBER.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
  alpha: (v) => /^[a-z]+$/i.test(v),
  guid: (v) => /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[})]?$/i.test(v),
  datetime: (v) => !Number.isNaN(Date.parse(v)),
  minlength: (v, [min]) => v.length >= Number(min),
  maxlength: (v, [max]) => v.length <= Number(max),
  length: (v, [a, b]) =>
    b === undefined ? v.length === Number(a) : v.length >= Number(a) && v.length <= Number(b),
  min: (v, [min]) => NUMBER.test(v) && Number(v) >= Number(min),
  max: (v, [max]) => NUMBER.test(v) && Number(v) <= Number(max),
  range: (v, [min, max]) => NUMBER.test(v) && Number(v) >= Number(min) && Number(v) <= Number(max),
  regex: (v, [source]) => new RegExp(source ?? '', 'i').test(v),
  required: (v) => v.length > 0,
};

function satisfies(constraint: RouteConstraint, value: string): boolean {
  const check = CONSTRAINTS[constraint.name];
  return check ? check(value, constraint.args) : false;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function invalid(template: string, reason: string): HostError {
  return new HostError('InvalidRouteTemplate', `Route template "${template}" is invalid: ${reason}.`);
}
