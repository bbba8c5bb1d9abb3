/** The DynamoDB state store's item codec, and consistent reloads after a conflict. */
import { describe, expect, it } from 'vitest';
import { decodeItemData, encodeItemData } from '../../functions/adapters/dynamo-state-store.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import type { ContextQuery, LoadOptions, StateStore } from '../../functions/core/detection/state-store.ts';
import { StateConflictError } from '../../functions/core/detection/state-store.ts';
import { detectorWith, loadScenario } from './support.ts';

describe('dynamo item codec', () => {
  it('round-trips values exactly, reads items written as JSON strings, and is smaller than the JSON', () => {
    const value = {
      key: '10.0.0.1|aws-cli',
      uses: [{ principalKey: 'role:arn:aws:iam::111111111111:role/ci', environment: 'staging', firstSeen: 1, lastSeen: 2, first: { id: 'e-1', nested: { a: [1, 'x', null, true] } } }],
      recent: [],
      text: 'unicode ✓ "quotes" \\ back',
      version: 3,
    };
    const encoded = encodeItemData(value);
    expect(encoded[0]).toBe(1);
    expect(encoded.length).toBeLessThan(JSON.stringify(value).length);
    expect(decodeItemData({ B: encoded })).toEqual(value);
    expect(decodeItemData({ S: JSON.stringify(value) })).toEqual(value);
    expect(decodeItemData(undefined)).toBeUndefined();
    expect(() => decodeItemData({ B: Uint8Array.from([9, 1, 2]) })).toThrow(/codec version 9/);
  });
});

describe('eventually consistent reads', () => {
  it('the first load of an event is eventually consistent; after a conflict the detector reloads strongly consistent', async () => {
    const inner = createMemoryStateStore();
    const loads: (boolean | undefined)[] = [];
    let conflicts = 1;
    const store: StateStore = {
      load: (q: ContextQuery, o?: LoadOptions) => (loads.push(o?.consistent), inner.load(q, o)),
      save: async (u) => {
        if (conflicts-- > 0) throw new StateConflictError();
        return inner.save(u);
      },
      markPublished: (...a) => inner.markPublished(...a),
    };
    const detector = detectorWith(store);
    await detector.process(loadScenario('incident.json')[0]!);
    expect(loads).toEqual([false, true]);
  });
});
