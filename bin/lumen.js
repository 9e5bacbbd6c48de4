#!/usr/bin/env node
// Launcher for `lumen` (package.json "bin"): registers tsx's loader, then runs bin/lumen.ts, so the
// TypeScript sources run as they are, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('./lumen.ts');
