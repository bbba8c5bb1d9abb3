/** In-process page ledger: the CLI and unit tests. Same semantics as the DynamoDB one. */
import type { PageLedger, PageRecord } from './page-ledger.ts';

export class MemoryPageLedger implements PageLedger {
  private readonly records = new Map<string, PageRecord>();

  async get(findingId: string): Promise<PageRecord | undefined> {
    const r = this.records.get(findingId);
    return r ? structuredClone(r) : undefined;
  }

  async save(record: PageRecord): Promise<PageRecord | undefined> {
    const stored = this.records.get(record.findingId);
    if ((stored?.version ?? 0) !== record.version) return undefined;
    const next = { ...structuredClone(record), version: record.version + 1, updatedAt: new Date().toISOString() };
    this.records.set(record.findingId, next);
    return structuredClone(next);
  }
}
