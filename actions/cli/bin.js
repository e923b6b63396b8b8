#!/usr/bin/env node
// The `gitops` command. The CLI is TypeScript run through tsx's loader, so there is no build step
// to forget and `npx gitops` always runs the code in the working tree.
import process from 'node:process';
import { tsImport } from 'tsx/esm/api';

const { run } = await tsImport('./run.ts', import.meta.url);
process.exitCode = await run(process.argv.slice(2));
