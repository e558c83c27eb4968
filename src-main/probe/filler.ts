/**
 * Prompt text that fills a context: deterministic English-like prose (so tokenizers count it
 * like real text), sized in characters from a chars-per-token ratio that each step learns from
 * the server's own token count (`prompt_eval_count`, `usage.prompt_tokens`).
 */

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there one all we their ' +
  'memory context model server token cache layer window budget graph tensor weight value query answer report measure probe slow fast large small ' +
  'river mountain garden window kitchen letter morning evening market station library engine harbour village meadow lantern'
).split(' ');

/** `chars` characters of prose; the same seed gives the same text. */
export function fillerText(chars: number, seed = 1): string {
  let x = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: cheap and deterministic.
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const parts: string[] = [];
  let length = 0;
  let sentence = 0;
  while (length < chars) {
    let w = WORDS[next() % WORDS.length]!;
    if (sentence === 0) w = w[0]!.toUpperCase() + w.slice(1);
    sentence++;
    const end = sentence > 8 && next() % 5 === 0;
    if (end) sentence = 0;
    const piece = `${w}${end ? '.' : ''} `;
    parts.push(piece);
    length += piece.length;
  }
  return parts.join('').slice(0, Math.max(0, chars));
}

/** Learns characters per token from the server's counts; starts at 4 (English prose). */
export class PromptSizer {
  private charsPerToken = 4;
  private calibrated = false;

  get isCalibrated(): boolean {
    return this.calibrated;
  }

  get ratio(): number {
    return this.charsPerToken;
  }

  /** A prompt of about `tokens` tokens whose first line is unique (so no prompt cache is reused). */
  build(tokens: number, nonce: string): string {
    const head = `[probe ${nonce}] Read the notes below and summarise them.\n`;
    const body = Math.max(0, Math.round(tokens * this.charsPerToken) - head.length);
    return head + fillerText(body, hash(nonce));
  }

  /** Records what the server counted for a prompt of `chars` characters. */
  learn(chars: number, countedTokens: number | null | undefined): void {
    if (!countedTokens || countedTokens < 16 || chars <= 0) return;
    this.charsPerToken = chars / countedTokens;
    this.calibrated = true;
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
