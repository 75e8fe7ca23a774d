// Not part of the app's bundle: `tsc` checks that the installed package's types are real
// (an unresolved or `any` type would leave the @ts-expect-error lines without an error).
import { createLocalRank, LocalRankError } from 'localrank';
import type { ErrorCode, RankResult } from 'localrank';
import { estimateShares } from 'localrank/aggregate';

export async function typed(): Promise<string[]> {
  const lr = createLocalRank({ model: false, storage: 'memory' });
  const result: RankResult = await lr.rank(['a'], { k: 1 });
  const code: ErrorCode = new LocalRankError('DESTROYED', 'gone').code;
  // @ts-expect-error: storage is 'indexeddb' or 'memory'
  createLocalRank({ storage: 'localStorage' });
  // @ts-expect-error: estimateShares takes reports, not a number
  estimateShares(3);
  return [code, ...result.items.map((item) => item.id)];
}
