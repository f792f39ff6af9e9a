/**
 * Which lines of two texts changed, decided as git's xdiff decides it (`git diff`'s default
 * Myers algorithm), so that our hunks are git's hunks line for line:
 *
 * 1. common leading and trailing lines are set aside;
 * 2. a line with no equal in the other text is changed for sure and leaves the problem (lines
 *    with very many equals leave it too when they sit among such lines), which keeps the
 *    search small for texts that differ a lot;
 * 3. Myers' O(ND) search, splitting the box at the middle snake, with xdiff's tie-breaking and
 *    its cut-offs past an edit cost of 256 (so a huge change costs O(N·√N), not O(N²));
 * 4. each group of changed lines is slid as far down as it can go, merged with groups it meets,
 *    lined up with a change in the other text where possible, and otherwise placed by git's
 *    indent heuristic (on by default since git 2.14).
 *
 * Lines are compared with their line ending: a last line without one differs from the same
 * line with one, as in git.
 */

const SNAKE_COUNT = 20
const HEURISTIC_MIN_COST = 256
const MAX_COST_MIN = 256
const K_HEURISTIC = 4
const MAX_EQUAL_LIMIT = 1024
const SIMILAR_SCAN_WINDOW = 100
const KEEP_DISCARD_RUN = 4
const LINE_MAX = Number.MAX_SAFE_INTEGER

/** `changed[i + 1]` is 1 when line i changed; index 0 and n + 1 are sentinels (always 0). */
export interface Marks {
  readonly old: Uint8Array
  readonly new: Uint8Array
}

/** Marks the changed lines of `a` and `b` (lines with their endings). */
export function markChanges(a: readonly string[], b: readonly string[], indentHeuristic = true): Marks {
  const classes = new Map<string, number>()
  const classify = (lines: readonly string[]) =>
    Int32Array.from(lines, line => {
      let id = classes.get(line)
      if (id === undefined) classes.set(line, (id = classes.size))
      return id
    })
  const ha = classify(a)
  const hb = classify(b)
  const marks: Marks = { old: new Uint8Array(a.length + 2), new: new Uint8Array(b.length + 2) }
  // Common ends.
  let start = 0
  const lim = Math.min(a.length, b.length)
  while (start < lim && ha[start] === hb[start]) start++
  let tail = 0
  while (tail < lim - start && ha[a.length - 1 - tail] === hb[b.length - 1 - tail]) tail++
  const reducedA = reduce(ha, hb, start, a.length - tail - 1, marks.old)
  const reducedB = reduce(hb, ha, start, b.length - tail - 1, marks.new)
  const search = new Search(reducedA, reducedB, marks)
  search.compare(0, reducedA.ids.length, 0, reducedB.ids.length, false)
  compact(ha, marks.old, hb, marks.new, a, indentHeuristic)
  compact(hb, marks.new, ha, marks.old, b, indentHeuristic)
  return marks
}

interface Reduced {
  /** Class ids of the lines left in the problem. */
  readonly ids: Int32Array
  /** For each of them, its index in the whole text. */
  readonly index: Int32Array
}

/** Lines `from..to` of `own` that stay in the search; the others are marked changed at once. */
function reduce(own: Int32Array, other: Int32Array, from: number, to: number, changed: Uint8Array): Reduced {
  const counts = new Map<number, number>()
  for (const id of other) counts.set(id, (counts.get(id) ?? 0) + 1)
  const limit = Math.min(bogoSqrt(own.length), MAX_EQUAL_LIMIT)
  // 0: no equal in the other text; 1: some; 2: very many.
  const kinds = new Uint8Array(Math.max(0, own.length))
  for (let i = from; i <= to; i++) {
    const n = Math.min(counts.get(own[i]) ?? 0, limit)
    kinds[i] = n === 0 ? 0 : n >= limit ? 2 : 1
  }
  const ids: number[] = []
  const index: number[] = []
  for (let i = from; i <= to; i++) {
    if (kinds[i] === 1 || (kinds[i] === 2 && !amongDiscarded(kinds, i, from, to))) {
      ids.push(own[i])
      index.push(i)
    } else changed[i + 1] = 1
  }
  return { ids: Int32Array.from(ids), index: Int32Array.from(index) }
}

/** A line with very many equals is left out when it sits in a run of lines with none. */
function amongDiscarded(kinds: Uint8Array, i: number, s: number, e: number): boolean {
  if (i - s > SIMILAR_SCAN_WINDOW) s = i - SIMILAR_SCAN_WINDOW
  if (e - i > SIMILAR_SCAN_WINDOW) e = i + SIMILAR_SCAN_WINDOW
  let none = 0
  let many = 1
  for (let r = 1; i - r >= s; r++) {
    if (kinds[i - r] === 0) none++
    else if (kinds[i - r] === 2) many++
    else break
  }
  if (none === 0) return false
  let noneAfter = 0
  let manyAfter = 1
  for (let r = 1; i + r <= e; r++) {
    if (kinds[i + r] === 0) noneAfter++
    else if (kinds[i + r] === 2) manyAfter++
    else break
  }
  if (noneAfter === 0) return false
  none += noneAfter
  many += manyAfter
  return many * KEEP_DISCARD_RUN < many + none
}

function bogoSqrt(n: number): number {
  let i = 1
  for (; n > 0; n = Math.floor(n / 4)) i *= 2
  return i
}

interface Split {
  i1: number
  i2: number
  minLow: boolean
  minHigh: boolean
}

/** Myers' search over the reduced texts, divide and conquer at the middle snake. */
class Search {
  private readonly forward: Int32Array | Float64Array
  private readonly backward: Float64Array
  private readonly offset: number
  private readonly maxCost: number

  constructor(
    private readonly a: Reduced,
    private readonly b: Reduced,
    private readonly marks: Marks,
  ) {
    const diagonals = a.ids.length + b.ids.length + 3
    this.forward = new Float64Array(diagonals + 2)
    this.backward = new Float64Array(diagonals + 2)
    this.offset = b.ids.length + 1
    this.maxCost = Math.max(bogoSqrt(diagonals), MAX_COST_MIN)
  }

  compare(off1: number, lim1: number, off2: number, lim2: number, needMin: boolean): void {
    const ha = this.a.ids
    const hb = this.b.ids
    while (off1 < lim1 && off2 < lim2 && ha[off1] === hb[off2]) off1++, off2++
    while (off1 < lim1 && off2 < lim2 && ha[lim1 - 1] === hb[lim2 - 1]) lim1--, lim2--
    if (off1 === lim1) {
      for (; off2 < lim2; off2++) this.marks.new[this.b.index[off2] + 1] = 1
    } else if (off2 === lim2) {
      for (; off1 < lim1; off1++) this.marks.old[this.a.index[off1] + 1] = 1
    } else {
      const split = this.split(off1, lim1, off2, lim2, needMin)
      this.compare(off1, split.i1, off2, split.i2, split.minLow)
      this.compare(split.i1, lim1, split.i2, lim2, split.minHigh)
    }
  }

  private split(off1: number, lim1: number, off2: number, lim2: number, needMin: boolean): Split {
    const ha = this.a.ids
    const hb = this.b.ids
    const o = this.offset
    const kf = this.forward
    const kb = this.backward
    const dmin = off1 - lim2
    const dmax = lim1 - off2
    const fmid = off1 - off2
    const bmid = lim1 - lim2
    const odd = ((fmid - bmid) & 1) !== 0
    let fmin = fmid
    let fmax = fmid
    let bmin = bmid
    let bmax = bmid
    kf[o + fmid] = off1
    kb[o + bmid] = lim1
    for (let cost = 1; ; cost++) {
      let gotSnake = false
      if (fmin > dmin) kf[o + --fmin - 1] = -1
      else ++fmin
      if (fmax < dmax) kf[o + ++fmax + 1] = -1
      else --fmax
      for (let d = fmax; d >= fmin; d -= 2) {
        let i1 = kf[o + d - 1] >= kf[o + d + 1] ? kf[o + d - 1] + 1 : kf[o + d + 1]
        const prev = i1
        let i2 = i1 - d
        while (i1 < lim1 && i2 < lim2 && ha[i1] === hb[i2]) i1++, i2++
        if (i1 - prev > SNAKE_COUNT) gotSnake = true
        kf[o + d] = i1
        if (odd && bmin <= d && d <= bmax && kb[o + d] <= i1) return { i1, i2, minLow: true, minHigh: true }
      }
      if (bmin > dmin) kb[o + --bmin - 1] = LINE_MAX
      else ++bmin
      if (bmax < dmax) kb[o + ++bmax + 1] = LINE_MAX
      else --bmax
      for (let d = bmax; d >= bmin; d -= 2) {
        let i1 = kb[o + d - 1] < kb[o + d + 1] ? kb[o + d - 1] : kb[o + d + 1] - 1
        const prev = i1
        let i2 = i1 - d
        while (i1 > off1 && i2 > off2 && ha[i1 - 1] === hb[i2 - 1]) i1--, i2--
        if (prev - i1 > SNAKE_COUNT) gotSnake = true
        kb[o + d] = i1
        if (!odd && fmin <= d && d <= fmax && i1 <= kf[o + d]) return { i1, i2, minLow: true, minHigh: true }
      }
      if (needMin) continue
      if (gotSnake && cost > HEURISTIC_MIN_COST) {
        const found = this.goodSnake(off1, lim1, off2, lim2, fmin, fmax, fmid, bmin, bmax, bmid, cost)
        if (found) return found
      }
      if (cost >= this.maxCost) return this.furthest(off1, lim1, off2, lim2, fmin, fmax, bmin, bmax)
    }
  }

  /** Past the heuristic cost: a diagonal far along that ends in a long snake is taken as the split. */
  private goodSnake(off1: number, lim1: number, off2: number, lim2: number, fmin: number, fmax: number, fmid: number, bmin: number, bmax: number, bmid: number, cost: number): Split | undefined {
    const ha = this.a.ids
    const hb = this.b.ids
    const o = this.offset
    let best = 0
    let split: Split | undefined
    for (let d = fmax; d >= fmin; d -= 2) {
      const i1 = this.forward[o + d]
      const i2 = i1 - d
      const v = i1 - off1 + (i2 - off2) - Math.abs(d - fmid)
      if (v > K_HEURISTIC * cost && v > best && off1 + SNAKE_COUNT <= i1 && i1 < lim1 && off2 + SNAKE_COUNT <= i2 && i2 < lim2) {
        for (let k = 1; ha[i1 - k] === hb[i2 - k]; k++) {
          if (k === SNAKE_COUNT) {
            best = v
            split = { i1, i2, minLow: true, minHigh: false }
            break
          }
        }
      }
    }
    if (split) return split
    for (let d = bmax; d >= bmin; d -= 2) {
      const i1 = this.backward[o + d]
      const i2 = i1 - d
      const v = lim1 - i1 + (lim2 - i2) - Math.abs(d - bmid)
      if (v > K_HEURISTIC * cost && v > best && off1 < i1 && i1 <= lim1 - SNAKE_COUNT && off2 < i2 && i2 <= lim2 - SNAKE_COUNT) {
        for (let k = 0; ha[i1 + k] === hb[i2 + k]; k++) {
          if (k === SNAKE_COUNT - 1) {
            best = v
            split = { i1, i2, minLow: false, minHigh: true }
            break
          }
        }
      }
    }
    return split
  }

  /** Enough: the furthest-reaching point of either search is the split. */
  private furthest(off1: number, lim1: number, off2: number, lim2: number, fmin: number, fmax: number, bmin: number, bmax: number): Split {
    const o = this.offset
    let fbest = -1
    let fbest1 = -1
    for (let d = fmax; d >= fmin; d -= 2) {
      let i1 = Math.min(this.forward[o + d], lim1)
      let i2 = i1 - d
      if (lim2 < i2) (i1 = lim2 + d), (i2 = lim2)
      if (fbest < i1 + i2) (fbest = i1 + i2), (fbest1 = i1)
    }
    let bbest = LINE_MAX
    let bbest1 = LINE_MAX
    for (let d = bmax; d >= bmin; d -= 2) {
      let i1 = Math.max(off1, this.backward[o + d])
      let i2 = i1 - d
      if (i2 < off2) (i1 = off2 + d), (i2 = off2)
      if (i1 + i2 < bbest) (bbest = i1 + i2), (bbest1 = i1)
    }
    if (lim1 + lim2 - bbest < fbest - (off1 + off2)) return { i1: fbest1, i2: fbest - fbest1, minLow: true, minHigh: false }
    return { i1: bbest1, i2: bbest - bbest1, minLow: false, minHigh: true }
  }
}

/** A group of changed lines: `start` the first, `end` the first unchanged line after (both 0-based). */
interface Group {
  start: number
  end: number
}

/** Slides the groups of `changed` (over `ids`) as git's xdl_change_compact does; `other` follows along. */
function compact(ids: Int32Array, changed: Uint8Array, otherIds: Int32Array, other: Uint8Array, lines: readonly string[], indentHeuristic: boolean): void {
  const n = ids.length
  const on = otherIds.length
  const at = (c: Uint8Array, i: number) => c[i + 1] === 1
  const set = (c: Uint8Array, i: number, v: number) => (c[i + 1] = v)
  const init = (c: Uint8Array): Group => {
    const g = { start: 0, end: 0 }
    while (at(c, g.end)) g.end++
    return g
  }
  const next = (c: Uint8Array, size: number, g: Group): boolean => {
    if (g.end === size) return false
    g.start = g.end + 1
    for (g.end = g.start; at(c, g.end); g.end++);
    return true
  }
  const previous = (c: Uint8Array, g: Group): boolean => {
    if (g.start === 0) return false
    g.end = g.start - 1
    for (g.start = g.end; at(c, g.start - 1); g.start--);
    return true
  }
  const slideDown = (g: Group): boolean => {
    if (g.end < n && ids[g.start] === ids[g.end]) {
      set(changed, g.start++, 0)
      set(changed, g.end++, 1)
      while (at(changed, g.end)) g.end++
      return true
    }
    return false
  }
  const slideUp = (g: Group): boolean => {
    if (g.start > 0 && ids[g.start - 1] === ids[g.end - 1]) {
      set(changed, --g.start, 1)
      set(changed, --g.end, 0)
      while (at(changed, g.start - 1)) g.start--
      return true
    }
    return false
  }
  const g = init(changed)
  const go = init(other)
  for (;;) {
    if (g.end !== g.start) {
      let size: number
      let earliestEnd: number
      let endMatchingOther: number
      do {
        size = g.end - g.start
        endMatchingOther = -1
        while (slideUp(g)) previous(other, go)
        earliestEnd = g.end
        if (go.end > go.start) endMatchingOther = g.end
        while (slideDown(g)) {
          next(other, on, go)
          if (go.end > go.start) endMatchingOther = g.end
        }
      } while (size !== g.end - g.start)
      if (g.end === earliestEnd) {
        // it could not move
      } else if (endMatchingOther !== -1) {
        while (go.end === go.start) {
          slideUp(g)
          previous(other, go)
        }
      } else if (indentHeuristic) {
        const best = bestShift(lines, g.end, earliestEnd, size)
        while (g.end > best) {
          slideUp(g)
          previous(other, go)
        }
      }
    }
    if (!next(changed, n, g)) break
    next(other, on, go)
  }
}

// The indent heuristic: of the places a group can slide to, the one whose two edges look most
// like block boundaries (blank lines, indentation). Weights are git's, found empirically.
const MAX_INDENT = 200
const MAX_BLANKS = 20
const START_OF_FILE_PENALTY = 1
const END_OF_FILE_PENALTY = 21
const TOTAL_BLANK_WEIGHT = -30
const POST_BLANK_WEIGHT = 6
const RELATIVE_INDENT_PENALTY = -4
const RELATIVE_INDENT_WITH_BLANK_PENALTY = 10
const RELATIVE_OUTDENT_PENALTY = 24
const RELATIVE_OUTDENT_WITH_BLANK_PENALTY = 17
const RELATIVE_DEDENT_PENALTY = 23
const RELATIVE_DEDENT_WITH_BLANK_PENALTY = 17
const INDENT_WEIGHT = 60
const INDENT_HEURISTIC_MAX_SLIDING = 100

function bestShift(lines: readonly string[], end: number, earliestEnd: number, size: number): number {
  let shift = Math.max(earliestEnd, end - size - 1, end - INDENT_HEURISTIC_MAX_SLIDING)
  let best = -1
  let bestScore = { indent: 0, penalty: 0 }
  for (; shift <= end; shift++) {
    const score = { indent: 0, penalty: 0 }
    scoreSplit(lines, shift, score)
    scoreSplit(lines, shift - size, score)
    const cmp = INDENT_WEIGHT * Math.sign(score.indent - bestScore.indent) + (score.penalty - bestScore.penalty)
    if (best === -1 || cmp <= 0) {
      bestScore = score
      best = shift
    }
  }
  return best
}

/** Spaces of indentation (a tab to the next multiple of 8), or -1 for a blank line. */
function indentOf(line: string): number {
  let n = 0
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === ' ') n += 1
    else if (c === '\t') n += 8 - (n % 8)
    else if (!(c === '\n' || c === '\r' || c === '\v' || c === '\f')) return n
    if (n >= MAX_INDENT) return MAX_INDENT
  }
  return -1
}

/** From `from` in direction `step`: how many blank lines come first, and the indent of the line after them (-1: none). */
function blanksThen(lines: readonly string[], from: number, step: 1 | -1): { blanks: number; indent: number } {
  let blanks = 0
  for (let i = from; i >= 0 && i < lines.length; i += step) {
    const indent = indentOf(lines[i])
    if (indent !== -1) return { blanks, indent }
    if (++blanks === MAX_BLANKS) return { blanks, indent: 0 }
  }
  return { blanks, indent: -1 }
}

function scoreSplit(lines: readonly string[], split: number, score: { indent: number; penalty: number }): void {
  const endOfFile = split >= lines.length
  const indent = endOfFile ? -1 : indentOf(lines[split])
  const { blanks: preBlank, indent: preIndent } = blanksThen(lines, split - 1, -1)
  const { blanks: postBlank, indent: postIndent } = blanksThen(lines, split + 1, 1)
  if (preIndent === -1 && preBlank === 0) score.penalty += START_OF_FILE_PENALTY
  if (endOfFile) score.penalty += END_OF_FILE_PENALTY
  const blanksAfter = indent === -1 ? 1 + postBlank : 0
  const totalBlank = preBlank + blanksAfter
  score.penalty += TOTAL_BLANK_WEIGHT * totalBlank + POST_BLANK_WEIGHT * blanksAfter
  const effective = indent !== -1 ? indent : postIndent
  const anyBlanks = totalBlank !== 0
  score.indent += effective
  if (effective === -1 || preIndent === -1) return
  if (effective > preIndent) score.penalty += anyBlanks ? RELATIVE_INDENT_WITH_BLANK_PENALTY : RELATIVE_INDENT_PENALTY
  else if (effective === preIndent) return
  else if (postIndent !== -1 && postIndent > effective) score.penalty += anyBlanks ? RELATIVE_OUTDENT_WITH_BLANK_PENALTY : RELATIVE_OUTDENT_PENALTY
  else score.penalty += anyBlanks ? RELATIVE_DEDENT_WITH_BLANK_PENALTY : RELATIVE_DEDENT_PENALTY
}
