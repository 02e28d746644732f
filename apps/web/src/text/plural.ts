/** "1 member", "3 members": a count with its noun (English, regular plurals). */
export function countOf(count: number, noun: string): string {
  return `${count.toLocaleString('en')} ${count === 1 ? noun : `${noun}s`}`;
}
