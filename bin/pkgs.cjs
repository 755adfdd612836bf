#!/usr/bin/env node
// CommonJS, as the whole build is: Node starts a CommonJS program ~15 ms sooner than an ES module
// (it has no module loader to set up), and `pkgs --version` and `pkgs --help` cost little more
// than Node itself.
'use strict'

// Node 22.1+ caches compiled code between runs: a faster start. Older Nodes have no such call.
require('node:module').enableCompileCache?.()
require('../dist/cli.cjs')
