/**
 * The contents codec each `--contents` name stands for. Commands keep the store in bytes and use
 * these at the edges (values.ts: parsing arguments, printing values) and for the merge rule of
 * `merge` and `revert` (merge-rule.ts).
 */
import { Contents, type Contents as Codec, type Json } from '../index.js'
import type { ContentsName } from './command.js'

/** A stored value as a codec reads it. */
export type Value = string | Json | Uint8Array

// Core's counter decode throws a TypeError on bytes that are not UTF-8, where a codec promises
// an InvalidValueError; reading them as text first keeps that promise, so such a value shows
// as bytes in listings like any other value the codec cannot read.
const counter: Codec<number> = {
  ...Contents.counter,
  decode(bytes) {
    Contents.string.decode(bytes)
    return Contents.counter.decode(bytes)
  },
}

// The table holds codecs of several value types; the CLI only moves their values between bytes
// and text, so it sees them all as `Value`.
const asValue = <T>(codec: Codec<T>) => codec as unknown as Codec<Value>

const CODECS: Readonly<Record<ContentsName, Codec<Value>>> = {
  string: asValue(Contents.string),
  json: asValue(Contents.json),
  bytes: asValue(Contents.bytes),
  counter: asValue(counter),
  multiset: asValue(Contents.multiset),
  set: asValue(Contents.set()),
  lww: asValue(Contents.lww()),
  log: asValue(Contents.log()),
}

/** Every `--contents` name, in the order help and messages list them. */
export const CONTENTS_NAMES = Object.keys(CODECS) as ContentsName[]

export function codecOf(name: ContentsName): Codec<Value> {
  return CODECS[name]
}
