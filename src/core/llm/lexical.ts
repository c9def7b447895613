/** BM25 over tool names and descriptions: the ranking used when no embeddings are to be had. */

const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could do does for from had has have how i if in into is it its me my of on or ' +
    'our please should so than that the their them then there these this to us was we were what when where which who ' +
    'why will with would you your use using'
  ).split(' '),
);

/** Lower-case word stems; splits camelCase, snake_case and kebab-case so `readFile` meets "read the file". */
export function tokenize(text: string): string[] {
  const spaced = text.replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2').replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2');
  const out: string[] = [];
  for (const word of spaced.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (word.length < 2 || STOPWORDS.has(word)) continue;
    out.push(stem(word));
  }
  return out;
}

/** A crude suffix stripper: enough for "files"/"file" and "searching"/"search" to meet. */
function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** BM25 score of each document against the query, in document order. */
export function bm25Scores(documents: string[][], query: string[], k1 = 1.2, b = 0.75): number[] {
  const n = documents.length;
  if (n === 0) return [];
  const avgLen = documents.reduce((s, d) => s + d.length, 0) / n || 1;
  const df = new Map<string, number>();
  for (const doc of documents) for (const term of new Set(doc)) df.set(term, (df.get(term) ?? 0) + 1);
  const terms = [...new Set(query)].filter((t) => df.has(t));
  return documents.map((doc) => {
    const tf = new Map<string, number>();
    for (const term of doc) tf.set(term, (tf.get(term) ?? 0) + 1);
    let score = 0;
    for (const term of terms) {
      const f = tf.get(term);
      if (!f) continue;
      const d = df.get(term)!;
      const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
      score += (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * doc.length) / avgLen));
    }
    return score;
  });
}
