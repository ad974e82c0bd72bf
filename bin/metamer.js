#!/usr/bin/env node
// The `metamer` command line: registers tsx so that the TypeScript sources run directly.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
