// After the bundle is built: dist/help.txt, what `pkgs --help` prints at 80 columns, so that
// src/cli.ts can answer it without loading the program (see there).
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const file = fileURLToPath(new URL('../dist/help.txt', import.meta.url))
rmSync(file, { force: true })
const env = { ...process.env, NO_COLOR: '1' }
// `--no-color --help` is not the fast path's exact argv: the program itself makes the text
const text = execFileSync(process.execPath, [fileURLToPath(new URL('../bin/pkgs.cjs', import.meta.url)), '--no-color', '--help'], { env, encoding: 'utf8' })
writeFileSync(file, text)
