#!/usr/bin/env -S node --max-semi-space-size=8
// The `producer` command. The sources are TypeScript run through tsx's loader, so there is no build
// step; configuration comes from the environment (see .env.example). A young generation of 8 MB
// (V8's default grows to 16 MB and more) keeps peak RSS about 30 MB lower at full speed: batches are
// held as bytes, so few objects live long enough to need a larger one.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../producer/main.ts');
process.exit(await main());
