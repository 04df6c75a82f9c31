/**
 * AUTOMATIC1111's prompt emphasis syntax, parsed into weighted text fragments with the same results as its
 * `parse_prompt_attention`:
 *
 * - `(text)` multiplies the weight of `text` by 1.1, `[text]` divides it by 1.1; groups nest and multiply.
 * - `(text:1.3)` multiplies by the number instead (only for round brackets; `[text:1.3]` is literal text).
 * - `\(`, `\)`, `\[`, `\]` and `\\` are literal characters; a lone `\` is dropped.
 * - An opening bracket without its closing one still applies its multiplier to everything after it; a closing
 *   bracket without an opening one is literal text.
 * - `BREAK` as a separate word (upper case) ends the current 77-token chunk.
 * - Neighbouring fragments of equal weight are merged; an empty prompt gives one empty fragment of weight 1.
 *
 * Where darkroom deliberately differs (A1111 quirks that would hurt a paid API):
 * - A1111 marks BREAK with weight −1, so a BREAK inside brackets gets its weight multiplied and is then
 *   encoded as the literal word "break" with a negative weight. Here BREAK is a separate fragment kind that
 *   brackets do not touch, so it always breaks.
 * - A1111 raises an error on an unparsable weight such as `(a:1.2.3)`. Here `:1.2.3` stays literal text and the
 *   `)` closes the group as a plain bracket (×1.1).
 * - Weights are written with ASCII digits only (Python's `\d` would also take other scripts' digits).
 */

export interface TextFragment {
  kind: 'text';
  text: string;
  weight: number;
}

export interface BreakFragment {
  kind: 'break';
}

export type PromptFragment = TextFragment | BreakFragment;

export const ROUND_BRACKET_MULTIPLIER = 1.1;
export const SQUARE_BRACKET_MULTIPLIER = 1 / 1.1;

/** Python's `\s` (str.isspace). */
const SPACE = '[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';

// One alternative per token kind, tried in this order; together they match every character of any input.
const ATTENTION_TOKEN = new RegExp(
  [
    '\\\\\\(',
    '\\\\\\)',
    '\\\\\\[',
    '\\\\\\]',
    '\\\\\\\\',
    '\\\\',
    '\\(',
    '\\[',
    `:${SPACE}*([+-]?[.0-9]+)${SPACE}*\\)`,
    '\\)',
    '\\]',
    '[^\\\\()\\[\\]:]+',
    ':',
  ].join('|'),
  'gu',
);

/** `BREAK` as a whole word (Python's `\b`: letters, digits and `_` are word characters), with the space around it. */
const BREAK_KEYWORD = new RegExp(`${SPACE}*(?<![\\p{L}\\p{N}_])BREAK(?![\\p{L}\\p{N}_])${SPACE}*`, 'u');

/** Python's `float()` on what the weight pattern captured. */
function parseWeight(text: string): number | undefined {
  return /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/.test(text) ? Number(text) : undefined;
}

interface Entry {
  text: string;
  weight: number;
  isBreak: boolean;
}

/** Parses A1111 emphasis syntax into weighted fragments and BREAK markers. */
export function parsePromptAttention(prompt: string): PromptFragment[] {
  const entries: Entry[] = [];
  const roundOpen: number[] = [];
  const squareOpen: number[] = [];

  const multiplyFrom = (start: number, multiplier: number): void => {
    for (let i = start; i < entries.length; i++) entries[i].weight *= multiplier;
  };
  const pushText = (text: string): void => {
    text.split(BREAK_KEYWORD).forEach((part, i) => {
      if (i > 0) entries.push({ text: '', weight: 1, isBreak: true });
      entries.push({ text: part, weight: 1, isBreak: false });
    });
  };

  for (const match of prompt.matchAll(ATTENTION_TOKEN)) {
    const token = match[0];
    const weightText = match[1];
    if (token.startsWith('\\')) {
      entries.push({ text: token.slice(1), weight: 1, isBreak: false });
    } else if (token === '(') {
      roundOpen.push(entries.length);
    } else if (token === '[') {
      squareOpen.push(entries.length);
    } else if (weightText !== undefined && roundOpen.length > 0) {
      const weight = parseWeight(weightText);
      if (weight === undefined) {
        pushText(token.slice(0, -1));
        multiplyFrom(roundOpen.pop() as number, ROUND_BRACKET_MULTIPLIER);
      } else {
        multiplyFrom(roundOpen.pop() as number, weight);
      }
    } else if (token === ')' && roundOpen.length > 0) {
      multiplyFrom(roundOpen.pop() as number, ROUND_BRACKET_MULTIPLIER);
    } else if (token === ']' && squareOpen.length > 0) {
      multiplyFrom(squareOpen.pop() as number, SQUARE_BRACKET_MULTIPLIER);
    } else {
      pushText(token);
    }
  }
  // Unclosed brackets apply to the rest of the prompt, round ones first.
  for (const start of roundOpen) multiplyFrom(start, ROUND_BRACKET_MULTIPLIER);
  for (const start of squareOpen) multiplyFrom(start, SQUARE_BRACKET_MULTIPLIER);

  if (entries.length === 0) entries.push({ text: '', weight: 1, isBreak: false });

  const merged: Entry[] = [];
  for (const entry of entries) {
    const previous = merged[merged.length - 1];
    if (previous && !previous.isBreak && !entry.isBreak && previous.weight === entry.weight) {
      previous.text += entry.text;
    } else {
      merged.push({ ...entry });
    }
  }
  return merged.map((e) => (e.isBreak ? { kind: 'break' } : { kind: 'text', text: e.text, weight: e.weight }));
}
