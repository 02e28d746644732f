/** API.md v1.1 message search: a query of 2–100 characters (code points), any script. */
export const SEARCH_QUERY = { min: 2, max: 100 } as const;

/** Why `input` cannot be searched yet, in words, or undefined when it can. */
export function searchQueryProblem(input: string): string | undefined {
  const length = [...input.trim()].length;
  if (length < SEARCH_QUERY.min) return `Type at least ${SEARCH_QUERY.min} characters.`;
  if (length > SEARCH_QUERY.max) return `Search with at most ${SEARCH_QUERY.max} characters.`;
  return undefined;
}
