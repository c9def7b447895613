/**
 * Single tools switched off: `tools.disabled` holds names as the model sees them (`server__tool`, `run_command`) or
 * patterns with `*` (`server__*`). A disabled tool is never offered to the model and cannot be called.
 */

/** A matcher for `patterns`; `*` matches any run of characters, everything else literally. */
export function disabledMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => false;
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const globs = patterns
    .filter((p) => p.includes('*'))
    .map((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
  return (name) => exact.has(name) || globs.some((g) => g.test(name));
}
