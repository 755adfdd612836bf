#!/usr/bin/env node
import module from 'node:module'

// Node 22.1+ caches compiled code between runs: a faster start. Older Nodes have no such call.
module.enableCompileCache?.()
await import('../dist/cli.js')
