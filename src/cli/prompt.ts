import {createInterface} from 'node:readline'

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY)
}

export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Asks on the terminal; `hidden` echoes nothing (passwords). */
export function ask(question: string, hidden = false): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({input: process.stdin, output: process.stdout, terminal: true})
    if (hidden) {
      const write = (rl as unknown as {_writeToOutput: (s: string) => void})._writeToOutput
      ;(rl as unknown as {_writeToOutput: (s: string) => void})._writeToOutput = (s: string) => {
        if (s.includes(question)) write.call(rl, s)
      }
    }
    rl.question(question, (answer) => {
      rl.close()
      if (hidden) process.stdout.write('\n')
      resolve(answer)
    })
  })
}
