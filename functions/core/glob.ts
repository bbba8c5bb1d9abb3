/**
 * ARN globs: `*` matches any run of characters (including `:` and `/`), `?` one character.
 * Compiled once; no regex from user input reaches the engine unescaped.
 */
export function compileGlob(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export function compileGlobs(patterns: readonly string[]): (value: string | undefined) => boolean {
  const compiled = patterns.map(compileGlob);
  return (value) => value !== undefined && compiled.some((re) => re.test(value));
}
