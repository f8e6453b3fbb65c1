/**
 * The words synthetic content is made of. Plain lowercase ASCII letters only, so generated text never needs
 * HTML escaping and an extractor's output can be compared with the generator's text byte for byte.
 */

function words(text: string): readonly string[] {
  return text.trim().split(/\s+/);
}

export const NOUNS: readonly string[] = words(`
  pipeline network system river harbor market garden library engine signal archive journal village
  council budget forest climate window process record dataset model student teacher museum bridge
  factory station festival country region project company platform customer product service
  storage server protocol document letter picture camera kitchen recipe harvest season mountain
  valley island coastline planet satellite telescope theory method question answer problem
  decision strategy policy election report survey measure effect outcome reason history future
  memory language dialect author reader editor chapter story painting concert orchestra audience
  stadium athlete coach league tournament record hospital doctor patient vaccine treatment
  diagnosis laboratory sample experiment result neighborhood street building tower apartment
  landlord tenant contract payment invoice battery circuit sensor device vehicle highway airport
  passenger ticket schedule farmer orchard vineyard bakery coffee breakfast dinner festival
  tradition ceremony volunteer community committee member meeting agenda proposal feature release
  version query index cluster queue message packet request response backlog deadline
`);

export const ADJECTIVES: readonly string[] = words(`
  quiet rapid careful ancient modern local global hidden public private simple complex reliable
  fragile steady bright narrow broad early late small large curious familiar strange practical
  elegant sturdy gentle bold seasonal regional national digital physical visible silent crowded
  empty remote recent former future central northern southern coastal urban rural annual careless
  honest efficient expensive affordable durable temporary permanent useful rare common unusual
  distant nearby healthy fresh quick slow patient ambitious
`);

/** Verbs in their base form; `thirdPerson()` conjugates them. */
export const VERBS: readonly string[] = words(`
  build shape follow measure improve replace support explain describe protect connect deliver
  observe collect change reach carry study design inspire reduce expand question challenge
  transform repair restore record publish review organize welcome surprise guide train feed move
  hold share lead test balance predict simplify document host finance visit celebrate remember
  process index fetch store schedule retry compress publish deploy monitor
`);

export const ADVERBS: readonly string[] = words(`
  quietly rapidly carefully often rarely slowly steadily suddenly gradually openly usually finally
  clearly nearly already still easily directly mostly simply
`);

export const PREPOSITIONS: readonly string[] = words(`
  across around behind beside beyond during inside near through toward under within without after
  before along among between over from
`);

export const DETERMINERS: readonly string[] = words(`
  the the the this each every our their that a
`);

export const CONJUNCTIONS: readonly string[] = words(`
  and but while because although so yet since
`);

export const OPENERS: readonly string[] = [
  'in most cases',
  'for now',
  'at first',
  'over time',
  'in practice',
  'last year',
  'by contrast',
  'in the end',
  'for many readers',
  'on balance',
  'as a rule',
  'more recently',
  'in short',
  'once again',
];

export const FIRST_NAMES: readonly string[] = words(`
  Ada Bruno Clara Dmitri Elena Farid Greta Hugo Ines Jonas Keiko Lucas Maya Nikolai Olga Pablo
  Quinn Rosa Samir Tessa Umar Vera Walter Xenia Yusuf Zoe Amara Bastian Chloe Diego Emil Freya
  Gabriel Hana Ivan Julia Kofi Lena Mateo Nora
`);

export const LAST_NAMES: readonly string[] = words(`
  Moreno Lindqvist Okafor Tanaka Novak Haddad Schmidt Rossi Kowalski Dubois Andersen Fischer Costa
  Nakamura Petrov Silva Byrne Mensah Ivanova Laurent Keller Ortega Varga Yilmaz Berg Castillo
  Horvat Jensen Marino Santos
`);

export const TAGS: readonly string[] = words(`
  science culture technology travel food health economy politics sports music history education
  climate cities data engineering design books film energy transport housing space ocean farming
  software research opinion analysis interview
`);

export const SECTIONS: readonly string[] = words(`
  News World Business Markets Technology Science Health Culture Books Music Film Travel Food Sport
  Opinion Climate Cities Education Data Podcasts
`);

const CONSONANT_Y = /[^aeiou]y$/;
const SIBILANT = /(s|x|z|ch|sh)$/;

/** Third person singular: build → builds, carry → carries, process → processes. */
export function thirdPerson(verb: string): string {
  if (CONSONANT_Y.test(verb)) return `${verb.slice(0, -1)}ies`;
  if (SIBILANT.test(verb)) return `${verb}es`;
  return `${verb}s`;
}

/** Plural: river → rivers, library → libraries, index → indexes. */
export function plural(noun: string): string {
  return thirdPerson(noun);
}

export function capitalize(word: string): string {
  return word.length === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1);
}

/** "a" or "an" before a word, by its first sound: an honest, a useful, an unusual. */
export function article(word: string): string {
  if (/^(honest|hour)/.test(word)) return 'an';
  if (/^(use|usu|uni|eu)/.test(word)) return 'a';
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
