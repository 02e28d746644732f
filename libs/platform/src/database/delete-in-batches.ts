/**
 * Runs `deleteSome(limit)`, a statement deleting at most `limit` rows and saying how many
 * went, until one deletes fewer (nothing is left) or `stopped()`: each statement holds
 * its locks briefly, however much there is to delete. How many rows went in all.
 */
export async function deleteInBatches(
  deleteSome: (limit: number) => Promise<number>,
  limit: number,
  stopped: () => boolean = () => false,
): Promise<number> {
  let deleted = 0;
  while (!stopped()) {
    const batch = await deleteSome(limit);
    deleted += batch;
    if (batch < limit) break;
  }
  return deleted;
}
