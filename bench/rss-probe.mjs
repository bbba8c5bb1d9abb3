// Preloaded into the replay child (`node --import bench/rss-probe.mjs …`): on exit,
// writes the process's peak resident set size (process.resourceUsage().maxRSS, KiB)
// to $BLASTWALL_RSS_FILE. Synchronous write: 'exit' handlers cannot await.
import { writeFileSync } from 'node:fs';

const file = process.env.BLASTWALL_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
  });
}
