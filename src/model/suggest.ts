// "Did you mean" for names that do not exist: the closest declared name, when it is close enough to
// be a typo (a differing case, or a few letters in a long name) rather than another word.
import { closest, distance } from 'fastest-levenshtein';
import { clip } from './quote.ts';

/** The candidate `name` is probably a typo of, if any. */
export function closeName(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  if (list.length === 0 || name === '') return undefined;
  const sameLetters = list.find((c) => c.toLowerCase() === name.toLowerCase());
  if (sameLetters) return sameLetters;
  const best = closest(name, list);
  // A swap of two letters counts 2: allowed in all but the shortest names.
  const allowed = best.length <= 3 ? 1 : Math.max(2, Math.floor(best.length / 3));
  return distance(name.toLowerCase(), best.toLowerCase()) <= allowed ? best : undefined;
}

/** ` Did you mean 'isCurrent'?` after a sentence, or ''. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const best = closeName(name, candidates);
  return best === undefined ? '' : ` Did you mean '${clip(best)}'?`;
}

/** ` (did you mean 'isCurrent'?)` inside a sentence, or ''. */
export function didYouMeanInline(name: string, candidates: Iterable<string>): string {
  const best = closeName(name, candidates);
  return best === undefined ? '' : ` (did you mean '${clip(best)}'?)`;
}
