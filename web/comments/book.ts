/**
 * The sample book the comments page shows: a short story in three chapters, written for this
 * page. Paragraph ids (`p1`, `p2`, …) are stable: comments are stored under
 * `comments/<chapter>/<paragraph>`, so changing the text keeps its threads.
 */
export interface Chapter {
  readonly id: string
  readonly title: string
  readonly paragraphs: ReadonlyArray<{ readonly id: string; readonly text: string }>
}

function chapter(id: string, title: string, texts: string[]): Chapter {
  return { id, title, paragraphs: texts.map((text, i) => ({ id: `p${i + 1}`, text })) }
}

export const BOOK_TITLE = 'The Ledger Tree'

export const BOOK: readonly Chapter[] = [
  chapter('seed', 'I. The Seed', [
    'In the valley of Ardun there grew a tree that remembered. Every leaf it had ever put out was still somewhere in its wood, written in rings no wider than a hair, and the villagers said that if you knew how to read them you could find the spring in which any branch first turned toward the light.',
    'Mira, the archivist’s daughter, did not believe them. She believed in the ledgers her mother kept: long books of names and sums, copied each winter so that the old books could be put away dry. A tree, she said, forgets as easily as a person. Only ink remembers.',
    'Her mother did not argue. She took Mira to the tree on the first thaw of the year and showed her a notch cut into the bark at the height of a child’s shoulder. “Your grandmother cut that,” she said, “the day she learned to write her name. Go on. Cut yours beside it.”',
    'Mira cut it, and that night she could not sleep for wondering whether the tree would keep it, or whether by summer the bark would have closed over the wound as if nothing had been written there at all.',
    'By summer the notch had not closed. The bark had grown around it in a lip of new wood, so that the mark stood a little deeper than before, and beside it, in the green skin of the branch above, there was a second notch she had not made.',
  ]),
  chapter('branches', 'II. Two Branches', [
    'The second notch was her brother’s. Tomas had watched her from the ridge and, jealous of a secret he was not part of, had climbed the tree at dusk and carved his own mark where the branch forked, so that his stood on the left fork and hers on the trunk below.',
    'They quarrelled over it for a week. Tomas said his mark was higher and so it came later, and what came later was what counted. Mira said the tree did not care about higher or lower; it only cared about which wood grew out of which.',
    'Their mother settled it the way she settled disagreements in the ledger. She opened both books, his and hers, and read them side by side from the last page they shared. “Here you agree,” she said, “and here you part. Neither of you is wrong. The tree keeps both forks; so will we.”',
    'It was the first time Mira understood that a ledger could have two ends. Her mother did not cross out either line. She wrote a third page that named them both and said which sums came from where, and the book went on from there as one book again.',
    'That autumn the left fork bore more fruit than the trunk had in ten years, and nobody in the valley could say whether it was Tomas’s doing or the weather’s. The tree did not say either. It only grew.',
  ]),
  chapter('merge', 'III. The Winter Copy', [
    'The winter the river froze, the archive flooded. Snowmelt came through the floor of the lower room and lifted the oldest books off their shelves, and for three days Mira and her mother carried wet pages up the stairs one armful at a time.',
    'They lost less than they feared. Every ledger had been copied the winter before, and the copies had been copied the winter before that, so what the water took from one shelf could be read again from another. The sums agreed to the last coin.',
    'What they could not recover was a single page of her grandmother’s hand, a list of the families who had planted the orchard below the tree. No copy had it; it had been written after the last copying and before the flood.',
    'Mira went to the tree. She found her grandmother’s notch, and her own, and Tomas’s on the fork above, and below them all, so old the bark had almost swallowed it, a row of small cuts she had never noticed: one for each family, in the order they had come.',
    'She copied them into the new ledger that evening. Her mother read the page twice and did not ask where it had come from. “So the tree remembers after all,” she said, and Mira, who had spent a year deciding, said that it did — but only because someone had thought to write on it.',
  ]),
]

export function findChapter(id: string | undefined): Chapter {
  return BOOK.find(c => c.id === id) ?? BOOK[0]
}
