#!/usr/bin/env node
// Runs leadhook's TypeScript sources through tsx (no build step needed after `npm ci`).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
