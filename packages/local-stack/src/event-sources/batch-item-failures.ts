/**
 * Reads a ReportBatchItemFailures response: the failed message ids, [] for success,
 * undefined when malformed (Lambda then treats the whole batch as failed).
 */
export function parseBatchItemFailures(result: unknown): string[] | undefined {
  if (result === null || result === undefined) return [];
  if (typeof result !== 'object') return undefined;
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return undefined;
  const ids: string[] = [];
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') return undefined;
    ids.push(id);
  }
  return ids;
}
