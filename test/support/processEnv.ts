/**
 * Sets (or, for undefined, removes) variables in this test process's environment, for SDK clients
 * that read their endpoint from it; returns a function that puts the previous values back.
 */
export function setProcessEnv(values: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const apply = (next: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(next))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  };
  apply(values);
  return () => apply(saved);
}
