/**
 * Limits a JSON body must keep before `JSON.parse` sees it. A hostile or broken server can send
 * 10⁵-deep nesting (recursive code downstream overflows the stack), or a list of a million
 * entries (each one parsed, validated and carried into the Snapshot). One linear pass over the
 * text, no recursion, no allocation per character, finds both.
 */

export interface JsonLimits {
  /** Deepest nesting of arrays and objects together. */
  maxDepth: number;
  /** Most entries in any one array. */
  maxArrayItems: number;
}

/** Enough for every payload the supported servers send, except Ollama's verbose `/api/show`. */
export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxArrayItems: 4096 };

const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const COMMA = 0x2c; // ,

/**
 * Null when `text` keeps within `limits`; else the reason, as words that fit after
 * "the answer …" ("is nested more than 32 levels deep, deeper than Headroom reads").
 * Malformed JSON is not judged here: `JSON.parse` reports it.
 */
export function jsonLimitViolation(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): string | null {
  // Per open container: -1 for an object, else the number of commas seen so far in the array
  // (entries = commas + 1). Bounded by maxDepth, so the stack stays tiny.
  const counts: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    switch (c) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (counts.length >= limits.maxDepth) {
          return `is nested more than ${limits.maxDepth} levels deep, deeper than Headroom reads`;
        }
        counts.push(c === OPEN_ARRAY ? 0 : -1);
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        counts.pop();
        break;
      case COMMA: {
        const top = counts.length - 1;
        if (top >= 0 && counts[top]! >= 0) {
          const commas = counts[top]! + 1;
          counts[top] = commas;
          if (commas >= limits.maxArrayItems) {
            return `has a list of more than ${limits.maxArrayItems.toLocaleString('en-US')} entries, more than Headroom reads`;
          }
        }
        break;
      }
    }
  }
  return null;
}
