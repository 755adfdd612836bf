// The CLI is bundled: one file for the entry and one chunk per lazy part, so that start-up does
// not resolve and read dozens of modules. npm's libraries stay external (they read files of their
// own at run time and are loaded only by the commands that need them). The bundle is CommonJS:
// npm's libraries are, and a CommonJS program starts without Node's ES module loader (~15 ms on
// Node 20, measured with `pkgs --help` and `pkgs whoami`); ora, the one ES module, is imported.
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const bundled = new Set(['commander', 'chalk'])
const external = Object.keys(pkg.dependencies).filter((name) => !bundled.has(name))

export default {
  // the program is an entry of its own as well (dist/program.cjs, which cli.cjs loads on demand):
  // the tests run it in-process through its main()
  input: { cli: 'src/cli.ts', program: 'src/program.ts' },
  platform: 'node',
  external: (id) => id.startsWith('node:') || external.some((name) => id === name || id.startsWith(`${name}/`)),
  output: { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', cleanDir: true },
}
