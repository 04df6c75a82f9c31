/**
 * Windows-1252 bytes 0x80–0x9F, "sloppy" variant: the five bytes that Windows-1252 leaves undefined
 * (0x81, 0x8D, 0x8F, 0x90, 0x9D) stand for the Latin-1 control character of the same value. All other bytes
 * of Windows-1252 equal Latin-1. HTML's numeric character references use the same table for &#128;–&#159;.
 */
export const WINDOWS_1252_HIGH: readonly number[] = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
  0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x009d, 0x017e, 0x0178,
];

/** Decodes one byte as sloppy Windows-1252. */
export function windows1252Char(byte: number): string {
  return String.fromCharCode(byte >= 0x80 && byte <= 0x9f ? WINDOWS_1252_HIGH[byte - 0x80] : byte);
}
