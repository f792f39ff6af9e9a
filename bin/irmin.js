#!/usr/bin/env node
// The `irmin` command: the compiled CLI (npm install runs the build).
import '../dist/cli/main.js'
