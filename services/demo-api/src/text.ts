import type { Random } from './prng.ts';
import {
  ADJECTIVES,
  ADVERBS,
  article,
  CONJUNCTIONS,
  capitalize,
  DETERMINERS,
  NOUNS,
  OPENERS,
  PREPOSITIONS,
  plural,
  thirdPerson,
  VERBS,
} from './vocabulary.ts';

/**
 * English-like prose from the vocabulary: sentences with a subject, a verb and an object, sometimes an
 * opening phrase, an adverb, a prepositional phrase or a second clause. Deterministic for a given generator.
 */

function nounPhrase(r: Random): string {
  const noun = r.pick(NOUNS);
  const adjective = r.chance(0.45) ? r.pick(ADJECTIVES) : undefined;
  const head = adjective === undefined ? noun : `${adjective} ${noun}`;
  const determiner = r.pick(DETERMINERS);
  return determiner === 'a' ? `${article(head)} ${head}` : `${determiner} ${head}`;
}

function clause(r: Random): string {
  const parts = [nounPhrase(r)];
  if (r.chance(0.2)) parts.push(r.pick(ADVERBS));
  parts.push(thirdPerson(r.pick(VERBS)), nounPhrase(r));
  if (r.chance(0.5)) parts.push(r.pick(PREPOSITIONS), nounPhrase(r));
  return parts.join(' ');
}

export function sentence(r: Random): string {
  let text = clause(r);
  if (r.chance(0.3)) text = `${text}, ${r.pick(CONJUNCTIONS)} ${clause(r)}`;
  if (r.chance(0.15)) text = `${r.pick(OPENERS)}, ${text}`;
  else if (r.chance(0.05)) text = `in ${r.int(1990, 2024)}, ${text}`;
  return `${capitalize(text)}.`;
}

/** A paragraph of `min`..`max` sentences. */
export function paragraph(r: Random, min = 3, max = 8): string {
  const count = r.int(min, max);
  const sentences: string[] = [];
  for (let i = 0; i < count; i++) sentences.push(sentence(r));
  return sentences.join(' ');
}

function titleCase(words: string): string {
  return words
    .split(' ')
    .map((w, i) => (i > 0 && /^(a|an|the|of|to|and|in|for|on)$/.test(w) ? w : capitalize(w)))
    .join(' ');
}

/** A headline: "How the Quiet Harbor Shapes Every Market", "7 Ways to Repair Your Engine", ... */
export function headline(r: Random): string {
  const noun = () => r.pick(NOUNS);
  const adjective = () => r.pick(ADJECTIVES);
  switch (r.int(0, 5)) {
    case 0:
      return titleCase(`how the ${adjective()} ${noun()} ${thirdPerson(r.pick(VERBS))} ${plural(noun())}`);
    case 1:
      return titleCase(`${r.int(3, 12)} ways to ${r.pick(VERBS)} your ${noun()}`);
    case 2:
      return titleCase(`the ${adjective()} guide to ${plural(noun())}`);
    case 3:
      return titleCase(`why ${plural(noun())} are ${adjective()} again`);
    case 4: {
      const a = adjective();
      return `${capitalize(noun())} and ${capitalize(noun())}: ${capitalize(article(a))} ${capitalize(a)} Story`;
    }
    default:
      return titleCase(`inside the ${noun()} that ${thirdPerson(r.pick(VERBS))} the ${noun()}`);
  }
}

/** A short heading for a section: "Balancing the Archive". */
export function sectionHeading(r: Random): string {
  const verb = r.pick(VERBS);
  const gerund = verb.endsWith('e') && !verb.endsWith('ee') ? `${verb.slice(0, -1)}ing` : `${verb}ing`;
  return titleCase(`${gerund} the ${r.pick(NOUNS)}`);
}
