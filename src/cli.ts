// The entry point. `pkgs --version` answers before anything else is loaded; everything else
// loads the program (commander, the commands) on demand.
import { readFileSync } from 'node:fs'

const cancelled = 130

async function run(argv: string[]): Promise<number> {
  const version: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(version + '\n')
    return 0
  }
  const { main } = await import('./program.js')
  return main(argv, version)
}

process.on('SIGINT', () => process.exit(cancelled))
run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
