// The entry point. `pkgs --version` answers before anything else is loaded, and so does
// `pkgs --help` at commander's width of 80: the build writes that text to dist/help.txt (made by
// the program itself; test/cli.test.ts checks the two agree), which saves loading commander and
// every command's module (about 40 ms). Everything else loads the program on demand.
import { readFileSync, writeSync } from 'node:fs'

const cancelled = 130

async function run(argv: string[]): Promise<number> {
  const version: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(version + '\n')
    return 0
  }
  // commander wraps help to the terminal's width, or to 80 columns when stdout is not one
  const width = process.stdout.isTTY ? process.stdout.columns : 80
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h') && width === 80) {
    const help = readPrebuilt('help.txt')
    if (help) {
      process.stdout.write(help)
      return 0
    }
  }
  const { main } = await import('./program.js')
  return main(argv, version)
}

function readPrebuilt(name: string): string | undefined {
  try {
    return readFileSync(new URL(name, import.meta.url), 'utf8')
  } catch {
    return undefined
  }
}

// Ctrl-C, wherever the run is (a browser approval awaited, a script running): with --json the
// document a script reads still comes, as after a prompt answered with Ctrl-C
process.on('SIGINT', () => {
  if (process.argv.includes('--json')) {
    try {
      writeSync(1, JSON.stringify({ error: { code: 'ECANCELLED', message: 'Cancelled.' } }, null, 2) + '\n')
    } catch {
      // stdout closed: nothing to tell
    }
  }
  process.exit(cancelled)
})
run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
