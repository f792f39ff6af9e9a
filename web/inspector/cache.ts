/**
 * Answers about one full commit id never change (its tree, values, changes, path searches), so
 * the page keeps the latest of them and asks again only for what it has not seen; a failed
 * request is forgotten, so a retry asks again.
 */
const KEEP = 200

const answers = new Map<string, Promise<unknown>>()

export function cached<T>(key: string, ask: () => Promise<T>): Promise<T> {
  const known = answers.get(key)
  if (known) {
    // Most recently used last: Map keeps insertion order, so the first key is the oldest.
    answers.delete(key)
    answers.set(key, known)
    return known as Promise<T>
  }
  const answer = ask()
  answers.set(key, answer)
  answer.catch(() => answers.delete(key))
  while (answers.size > KEEP) answers.delete(answers.keys().next().value!)
  return answer
}
