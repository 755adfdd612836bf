// The steps of publishing one package that a single publish and a workspace's release share: the
// name and version npm would publish, its scripts as npm runs them, and packing as npm packs.
import { PkgsError } from '../core/errors.js'
import { explainError } from '../core/explain.js'
import type { Config } from '../core/config.js'
import type { Manifest } from '../package/manifest.js'
import { validatePackageName } from '../package/names.js'
import {
  exportNpmEnv,
  packTarball,
  readPublishManifest,
  runsScripts,
  runLifecycle,
  tarballContents,
  type Packed,
  type PackSource,
  type ScriptOptions,
} from '../package/pack.js'
import type { Context } from './context.js'

export type Settled<T> = { value: T; error?: undefined } | { value?: undefined; error: PkgsError }

export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error: explainError(error) }),
  )
}

/** Name and version npm would publish; `"private": true` stops here, before any request. */
export function identify(manifest: Manifest, source: PackSource): { name: string; version: string } {
  const folder = source.type === 'directory'
  const where = folder ? `${source.path}/package.json` : `the package.json in ${source.path}`
  // a tarball is published as it is: the fix is in the folder it was packed from
  const repack = (change: string) => `A tarball is published as it is: ${change} in the folder it was packed from, then pack it again with npm pack.`
  if (typeof manifest.name !== 'string' || !manifest.name) {
    throw new PkgsError('EBADPACKAGE', `${where} has no name.`, {
      hint: folder ? 'Set one with: pkgs init --scope @your-scope' : repack('set a name (pkgs init --scope @your-scope)'),
    })
  }
  const name = validatePackageName(manifest.name)
  if (typeof manifest.version !== 'string' || !manifest.version) {
    throw new PkgsError('EBADPACKAGE', `${where} has no valid version.`, {
      hint: folder ? 'Set one with: npm version 1.0.0 --no-git-tag-version' : repack('set a version (npm version 1.0.0 --no-git-tag-version)'),
    })
  }
  if (manifest.private === true) {
    throw new PkgsError('EPRIVATE', `${name} is marked "private": true in ${folder ? 'package.json' : where}, so npm's tools refuse to publish it.`, {
      hint: `${folder ? 'Remove "private": true to publish it.' : repack('remove "private": true')} (To keep it private on the registry, publish it scoped with --access restricted.)`,
    })
  }
  return { name, version: manifest.version }
}

/** Scripts run in the foreground as npm's do, except under --json, where stdout is for the document. */
export function scriptOptions(ctx: Context, flat: Record<string, unknown>, foregroundIsDefault: boolean): ScriptOptions {
  return {
    foreground: !ctx.io.json && (foregroundIsDefault || Boolean(flat.foregroundScripts)),
    ignoreScripts: Boolean(flat.ignoreScripts),
    scriptShell: typeof flat.scriptShell === 'string' ? flat.scriptShell : undefined,
  }
}

/** run-script announces each script ("> @acme/x@1.0.0 prepack") through proc-log: on stderr here. */
export async function withScriptBanners<T>(ctx: Context, scripts: () => Promise<T>): Promise<T> {
  const listener = (level: string, ...args: unknown[]) => {
    if (level === 'standard') ctx.io.info(ctx.io.err.dim(args.map(String).join(' ').trim()))
  }
  process.on('output', listener)
  try {
    return await scripts()
  } finally {
    process.off('output', listener)
  }
}

/** prepublishOnly and libnpmpack, then package.json read again as npm does (a script may change it). */
export async function pack(
  ctx: Context,
  source: PackSource,
  config: Config,
  { name, manifest }: { name: string; manifest: Manifest },
  fromPackage: Record<string, unknown>,
  scripts: ScriptOptions,
): Promise<{ manifest: Manifest; tarball: Buffer; packed: Packed }> {
  if (runsScripts(source, manifest, scripts)) exportNpmEnv(config, 'publish')
  const tarball = await withScriptBanners(ctx, async () => {
    await runLifecycle('prepublishOnly', source, manifest, scripts)
    return packTarball(source, config, { ...config.flat, ...fromPackage }, scripts)
  })
  const again = await readPublishManifest(source, config.flat)
  if (again.corrections.length) {
    ctx.io.warn(`npm corrected package.json for publishing (run \`npm pkg fix\` to fix the file):\n  ${again.corrections.join('\n  ')}`)
  }
  const after = identify(again.manifest, source)
  if (after.name !== name) {
    throw new PkgsError('EBADPACKAGE', `A script renamed the package from ${name} to ${after.name} while packing.`, {
      hint: 'Publish again: the new name is read from the start.',
    })
  }
  return { manifest: again.manifest, tarball, packed: await tarballContents(tarball, after) }
}
