// package.json edits in-process: a value set changes that value alone, a new member is written
// like its siblings, and every other byte stays.
import { describe, expect, it } from 'vitest'
import { setJsonValue } from '../src/package/json-edit.js'

describe('setJsonValue', () => {
  it('replaces a value where it stands', () => {
    expect(setJsonValue('{\n  "name" :"a",  "version": "1.0.0"\n}', ['name'], '@acme/a')).toBe('{\n  "name" :"@acme/a",  "version": "1.0.0"\n}')
  })

  it('adds a member after the last one, with its indentation, line ending and colon', () => {
    expect(setJsonValue('{\r\n    "name": "a",\r\n    "files": ["dist"]\r\n}\r\n', ['publishConfig', 'access'], 'public')).toBe(
      '{\r\n    "name": "a",\r\n    "files": ["dist"],\r\n    "publishConfig": {\r\n        "access": "public"\r\n    }\r\n}\r\n',
    )
    expect(setJsonValue('{"name":"a"}', ['publishConfig', 'access'], 'public')).toBe('{"name":"a","publishConfig":{"access":"public"}}')
    expect(setJsonValue('{\n\t"publishConfig": { "tag": "next" }\n}\n', ['publishConfig', 'access'], 'public')).toBe(
      '{\n\t"publishConfig": { "tag": "next", "access": "public" }\n}\n',
    )
  })

  it('fills an empty object on lines of its own', () => {
    expect(setJsonValue('{}', ['name'], 'a')).toBe('{\n  "name": "a"\n}')
    expect(setJsonValue('{\n\t"name": "a",\n\t"publishConfig": {}\n}\n', ['publishConfig', 'access'], 'public')).toBe(
      '{\n\t"name": "a",\n\t"publishConfig": {\n\t\t"access": "public"\n\t}\n}\n',
    )
  })

  it('replaces a value on the path that is not an object', () => {
    expect(setJsonValue('{\n  "name": "a",\n  "publishConfig": "x"\n}\n', ['publishConfig', 'access'], 'public')).toBe(
      '{\n  "name": "a",\n  "publishConfig": {\n    "access": "public"\n  }\n}\n',
    )
  })
})
