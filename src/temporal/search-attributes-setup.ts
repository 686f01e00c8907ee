import type { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/**
 * Registers Caseloop's custom search attributes on a namespace, skipping those that exist.
 * Used by `npm run temporal:setup` against any cluster, and by the tests.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService
    .listSearchAttributes({ namespace })
    .then((r) => new Set(Object.keys(r.customAttributes ?? {})))
    .catch(() => new Set<string>());
  const missing = ALL_SEARCH_ATTRIBUTES.filter((sa) => !existing.has(sa.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((sa) => [sa.name, encodeSearchAttributeIndexedValueType(sa.type)!]),
    ),
  });
  return missing.map((sa) => sa.name);
}
