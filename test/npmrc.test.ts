// .npmrc edits: only the keys in question change; comments, blank lines, other keys, ${VAR}
// references, spacing, quoting and line endings stay byte for byte; npm reads what we wrote.
import { chmodSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/core/config.js'
import { editNpmrcFile, editNpmrcText, holdsCredentials, quote, readNpmrcValue, unquote } from '../src/core/npmrc.js'
import { makeSandbox } from './support/sandbox.js'

const sample = [
  '; my settings',
  '# another comment',
  '',
  'registry = https://registry.npmjs.org/',
  '@other:registry=https://npm.other.dev/',
  '//npm.other.dev/:_authToken=${OTHER_TOKEN}',
  '  ; indented comment',
  'scope = @old   ; the old one',
  'quoted = "  spaced value  "',
  'email=me@example.com',
  '',
].join('\n')

describe('editing the text of an .npmrc', () => {
  it('replaces a value in place, keeping its spacing and trailing comment, and nothing else', () => {
    const { text, changed } = editNpmrcText(sample, { set: { scope: '@acme' } })
    expect(changed).toEqual(['scope'])
    expect(text).toBe(sample.replace('scope = @old   ; the old one', 'scope = @acme   ; the old one'))
  })

  it('appends new keys and removes others, keeping every other line', () => {
    const { text, changed } = editNpmrcText(sample, {
      set: { '@acme:registry': 'http://127.0.0.1:4873/', '//127.0.0.1:4873/:_authToken': 'abc==' },
      remove: ['email', 'missing-key'],
    })
    expect(changed.sort()).toEqual(['//127.0.0.1:4873/:_authToken', '@acme:registry', 'email'])
    expect(text).toBe(sample.replace('email=me@example.com\n', '') + '@acme:registry=http://127.0.0.1:4873/\n//127.0.0.1:4873/:_authToken="abc=="\n')
  })

  it('keeps CRLF line endings and a file without a final newline', () => {
    const crlf = 'a=1\r\n; note\r\nb=2'
    expect(editNpmrcText(crlf, { set: { b: '3' } }).text).toBe('a=1\r\n; note\r\nb=3')
    expect(editNpmrcText(crlf, { set: { c: 'x' } }).text).toBe('a=1\r\n; note\r\nb=2\r\nc=x\r\n')
    expect(editNpmrcText(crlf, { remove: ['a'] }).text).toBe('; note\r\nb=2')
    expect(editNpmrcText('', { set: { scope: '@acme' } }).text).toBe('scope=@acme\n')
  })

  it('leaves a key given twice as one line, and keys inside [sections] alone', () => {
    const text = 'scope=@one\nfoo=bar\nscope=@two\n[section]\nscope=@inside\n'
    expect(editNpmrcText(text, { set: { scope: '@three' } }).text).toBe('scope=@three\nfoo=bar\n[section]\nscope=@inside\n')
    expect(editNpmrcText('[section]\nx=1\n', { set: { y: '2' } }).text).toBe('y=2\n[section]\nx=1\n')
  })

  it('reports no change when the value is already there (even quoted differently)', () => {
    expect(editNpmrcText('k = "v"\n', { set: { k: 'v' } })).toEqual({ text: 'k = "v"\n', changed: [] })
    expect(editNpmrcText(sample, { remove: ['nope'] })).toEqual({ text: sample, changed: [] })
  })

  it('reads and writes values as ini (npm) does', () => {
    for (const value of ['plain', 'with=equals', ' spaced ', 'semi;colon', 'hash#tag', '"quoted"', '[bracket']) {
      expect(unquote(quote(value))).toBe(value)
    }
    expect(unquote(' "a b" ')).toBe('a b')
    expect(unquote("'single'")).toBe('single')
    expect(unquote('value ; comment')).toBe('value')
    expect(readNpmrcValue(sample, 'scope')).toBe('@old')
    expect(readNpmrcValue(sample, 'quoted')).toBe('  spaced value  ')
    expect(holdsCredentials(sample)).toBe(true)
    expect(holdsCredentials('registry=x\n; //h/:_authToken=x\n')).toBe(false)
  })

  it('writes what npm reads back', async () => {
    const sandbox = makeSandbox(sample)
    const token = 'tok=with;odd#chars'
    await editNpmrcFile(sandbox.userconfig, { set: { '//127.0.0.1:4873/:_authToken': token, scope: '@acme' } })
    const config = await loadConfig({ cwd: sandbox.cwd, env: { ...sandbox.env, OTHER_TOKEN: 'other-secret' } })
    expect(config.flat['//127.0.0.1:4873/:_authToken']).toBe(token)
    expect(config.npm.get('scope')).toBe('@acme')
    expect(config.flat['//npm.other.dev/:_authToken']).toBe('other-secret')
    expect(config.npm.get('@other:registry')).toBe('https://npm.other.dev/')
  })
})

describe('editing an .npmrc on disk', () => {
  it('creates a missing file, makes a file with a token mode 600 (also when it was 644), and keeps the mode of others', async () => {
    const sandbox = makeSandbox()
    const project = join(sandbox.cwd, '.npmrc')
    const created = await editNpmrcFile(project, { set: { scope: '@acme' } })
    expect(created).toMatchObject({ created: true, changed: ['scope'] })
    chmodSync(project, 0o644)
    await editNpmrcFile(project, { set: { '@acme:registry': 'https://npm.acme.dev/' } })
    expect(statSync(project).mode & 0o777).toBe(0o644)

    writeFileSync(sandbox.userconfig, '; mine\n')
    chmodSync(sandbox.userconfig, 0o644)
    await editNpmrcFile(sandbox.userconfig, { set: { '//npm.acme.dev/:_authToken': 'secret' } })
    expect(statSync(sandbox.userconfig).mode & 0o777).toBe(0o600)
    expect(readFileSync(sandbox.userconfig, 'utf8')).toBe('; mine\n//npm.acme.dev/:_authToken=secret\n')

    const none = await editNpmrcFile(join(sandbox.cwd, 'absent-npmrc'), { remove: ['scope'] })
    expect(none).toMatchObject({ created: false, changed: [] })
  })

  it('writes through a symbolic link (a dotfiles repository) instead of replacing it', async () => {
    const sandbox = makeSandbox()
    const real = join(sandbox.root, 'dotfiles-npmrc')
    writeFileSync(real, 'a=1\n')
    symlinkSync(real, sandbox.userconfig)
    await editNpmrcFile(sandbox.userconfig, { set: { b: '2' } })
    expect(readFileSync(real, 'utf8')).toBe('a=1\nb=2\n')
  })
})
