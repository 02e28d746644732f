/** What a search of a payload refuses: a key, a string value, or both. */
export interface PayloadRule {
  key?(key: string): boolean;
  text?(text: string): boolean;
}

/**
 * The dotted path (`list.1.name`) of the first key or string, at any depth up to 32,
 * that `rule` refuses; a refused string at the top is `path`, or "the value".
 */
export function findInPayload(
  value: unknown,
  rule: PayloadRule,
  path = '',
  depth = 0,
): string | undefined {
  if (typeof value === 'string') return rule.text?.(value) ? path || 'the value' : undefined;
  if (typeof value !== 'object' || value === null || depth > 32) return undefined;
  for (const key of Object.keys(value)) {
    const here = path === '' ? key : `${path}.${key}`;
    if (rule.key?.(key)) return here;
    const found = findInPayload((value as Record<string, unknown>)[key], rule, here, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
