/** The tools speak in short lines prefixed with what they are about. */
export type Say = (line: string) => void;

export function sayAs(topic: string): Say {
  return (line) => process.stdout.write(`[${topic}] ${line}\n`);
}
