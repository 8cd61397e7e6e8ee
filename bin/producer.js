#!/usr/bin/env node
// The `producer` command. The sources are TypeScript run through tsx's loader, so there is no build
// step; configuration comes from the environment (see .env.example).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../producer/main.ts');
process.exit(await main());
