import { jobIdFor } from '@tributary/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobIdSet } from './job-id-set.ts';

describe('JobIdSet', () => {
  it('answers true the first time an id is added and false after, for any ids, through growth', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 300 }), (ids) => {
        const set = new JobIdSet();
        const seen = new Set<string>();
        for (const id of ids) {
          const fresh = !seen.has(id);
          seen.add(id);
          expect(set.add(id)).toBe(fresh);
        }
        expect(set.size).toBe(seen.size);
      }),
    );
  });

  it('keeps 200,000 distinct job ids apart (several table growths) and knows each again', () => {
    const set = new JobIdSet();
    const ids = Array.from({ length: 200_000 }, (_, i) => jobIdFor({ url: `https://example.com/${i}` }));
    for (const id of ids) expect(set.add(id)).toBe(true);
    expect(set.size).toBe(200_000);
    expect(ids.filter((_, i) => i % 997 === 0).every((id) => !set.add(id))).toBe(true);
  });
});
