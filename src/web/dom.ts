/** Attributes and listeners of an element made with `h`; text always goes in as text, never as HTML. */
export type Attributes = Record<string, string | number | boolean | undefined | EventListener>;
export type Child = Node | string | number | null | undefined | false;

/**
 * Makes an element. Strings become text nodes and attribute values are set with setAttribute, so
 * nothing a user typed (a title, a URL, an error message) can ever be read as markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** The page's content area (under the page's heading). */
export function contentRoot(): HTMLElement {
  const root = document.getElementById('content');
  if (!root) throw new Error('The page has no #content element.');
  return root;
}
