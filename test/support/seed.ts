// Packages published in-process with npm's own libraries (libnpmpack packs, libnpmpublish sends
// what `npm publish` sends), for tests whose subject is not that publish: a set-up step then costs
// no process (an `npm publish` run is about 0.8 s of CPU, most of it loading those libraries).
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { makeSandbox, nerfDart } from './sandbox.js'

const require = createRequire(import.meta.url)
const pack = require('libnpmpack') as (spec: string, o: Record<string, unknown>) => Promise<Buffer>
const { publish } = require('libnpmpublish') as { publish(m: object, t: Buffer, o: Record<string, unknown>): Promise<unknown> }

export interface SeedOptions {
  /** as `npm publish --access`; null (the default) sends none, as a plain `npm publish` */
  access?: 'restricted' | 'public' | null
  /** the dist-tag (default latest) */
  tag?: string
  /** a one-time password, for an account that needs one */
  otp?: string
  /** to the registry's staging queue, as `npm stage publish` (npmjs.com's staged publishing) */
  stage?: boolean
}

/** The tarball `npm pack` makes of the folder `dir`, scripts not run. */
export function packFolder(dir: string): Promise<Buffer> {
  return pack(`file:${dir}`, { ignoreScripts: true })
}

/** Publish `name@version` to the registry at `url` with `token`, as `npm publish` would. */
export async function seedPublish(url: string, token: string, name: string, version = '1.0.0', opts: SeedOptions = {}): Promise<void> {
  const manifest = { name, version, main: 'index.js' }
  // a sandbox's folder: removed when the run ends
  const dir = makeSandbox().cwd
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n')
  const tarball = await packFolder(dir)
  await publish(manifest, tarball, {
    registry: url,
    [`${nerfDart(url)}:_authToken`]: token,
    access: opts.access ?? null,
    defaultTag: opts.tag ?? 'latest',
    ...(opts.otp ? { otp: opts.otp } : {}),
    ...(opts.stage ? { stage: true } : {}),
  })
}
