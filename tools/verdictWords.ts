/**
 * One vocabulary for results across commands: `holds`, `VIOLATED`, and `inconclusive` for
 * anything not decided (a search that ran out of budget, sampling that found nothing, a run cut
 * before a property could be judged).
 */
export const INCONCLUSIVE = 'inconclusive';

/** The word for a run's property verdict: true holds, false VIOLATED, null/undefined inconclusive. */
export function verdictWord(ok: boolean | null | undefined): string {
  return ok === true ? 'holds' : ok === false ? 'VIOLATED' : INCONCLUSIVE;
}
