// pkgs' own package.json, found by walking up from this module: the same code runs from src/,
// from dist/ and from a bundle chunk, each at a different depth.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface OwnPackage {
  name: string
  version: string
  engines: { node: string }
}

let cached: OwnPackage | undefined

export function ownPackage(): OwnPackage {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as OwnPackage
      if (pkg.name === 'pkgs') return (cached = pkg)
    } catch {
      // no package.json here: keep walking up
    }
    const up = dirname(dir)
    if (up === dir) throw new Error('pkgs: cannot find its own package.json')
    dir = up
  }
}
