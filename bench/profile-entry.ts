/**
 * Entry of the core profile, bundled by esbuild (bench/profile.ts) and run in a
 * fresh `node`, so the profile names real functions and lines (under tsx every
 * location reads as line 1). Prints the profile's top self-time functions as JSON.
 */
import { profileCore } from './core.ts';

const events = Number(process.argv[2] ?? 50_000);
const top = await profileCore({ events, top: 20 });
process.stdout.write(JSON.stringify(top));
