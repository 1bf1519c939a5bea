import { HostError } from '../HostError.js';

/** A blob trigger's `path`: a container and a name pattern with `{binding}` parts. */
export interface BlobPathPattern {
  container: string;
  /** Literal prefix of the blob name before the first `{…}` (used to narrow the listing). */
  prefix: string;
  /** Returns the binding data a blob name yields, or undefined when the name does not match. */
  match(blobName: string): Record<string, string> | undefined;
}

/**
 * Parses `container/name-pattern` as the Storage extension does: `{name}` captures any text,
 * several parts may be combined (`{name}.{ext}`); `{{` and `}}` are literal braces; a path with only
 * a container matches every blob in it.
 */
export function parseBlobPathPattern(path: string): BlobPathPattern {
  const slash = path.indexOf('/');
  const container = slash === -1 ? path : path.slice(0, slash);
  const pattern = slash === -1 ? '' : path.slice(slash + 1);
  if (!/^(\$root|[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9])$/.test(container))
    throw new HostError(
      'UnsupportedAppFeature',
      `The blob trigger path "${path}" does not start with a container name.`,
    );
  const names: string[] = [];
  let regex = '';
  let prefix = '';
  let seenBinding = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if ((c === '{' || c === '}') && pattern[i + 1] === c) {
      regex += `\\${c}`;
      if (!seenBinding) prefix += c;
      i++;
    } else if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end === -1)
        throw new HostError('UnsupportedAppFeature', `The blob trigger path "${path}" has an unclosed "{".`);
      names.push(pattern.slice(i + 1, end));
      // The last part takes the rest of the name, "/" included, as in the Storage extension.
      regex += '(.+?)';
      seenBinding = true;
      i = end;
    } else {
      regex += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (!seenBinding) prefix += c;
    }
  }
  const compiled = new RegExp(`^${regex}${pattern === '' ? '.*' : ''}$`, 's');
  return {
    container,
    prefix,
    match(blobName) {
      const found = compiled.exec(blobName);
      if (!found) return undefined;
      return Object.fromEntries(names.map((name, index) => [name, found[index + 1] ?? '']));
    },
  };
}
