// npm run demo: bundles demo/demo.ts with the test support it starts the registries with
// (test/support/) into demo/.build/<pid>/demo.js, in well under a second and with nothing beyond
// the devDependencies (rolldown), then runs it. node_modules stay external. A folder per process,
// removed when it exits: two demos at once (the suite on two Nodes) never share one.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { rolldown } from 'rolldown'

const dir = join(import.meta.dirname, '.build', String(process.pid))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const bundle = await rolldown({
  input: { demo: join(import.meta.dirname, 'demo.ts') },
  platform: 'node',
  external: (id) => id.startsWith('node:') || !/^[./]/.test(id),
  logLevel: 'silent',
})
await bundle.write({ dir, format: 'esm', entryFileNames: '[name].js', cleanDir: true })
await bundle.close()
await import(pathToFileURL(join(dir, 'demo.js')).href)
