/**
 * Headless Chromium for the HTML report tests: Debian's `chromium`, driven from its
 * command line (`--dump-dom` for the DOM after load, `--screenshot` for pixels).
 *
 * Where it is missing, `ensureChromium()` installs it with apt-get (as root, or with
 * sudo without a password) unless BLASTWALL_NO_APT is set; when that is impossible it
 * returns the reason, and the tests print it and skip.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';

const run = promisify(execFile);
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export type ChromiumStatus = { path: string } | { reason: string };

function found(): string | undefined {
  if (process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  return CANDIDATES.find((c) => existsSync(c));
}

export function ensureChromium(): ChromiumStatus {
  const present = found();
  if (present) return { path: present };
  if (process.env.BLASTWALL_NO_APT) return { reason: 'chromium is not installed and BLASTWALL_NO_APT forbids installing it (apt-get install -y chromium)' };
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? ['apt-get'] : ['sudo', '-n', 'apt-get'];
  try {
    const [bin, ...pre] = command;
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync(bin!, [...pre, 'update'], { stdio: 'ignore', timeout: 300_000, env });
    execFileSync(bin!, [...pre, 'install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', timeout: 600_000, env });
  } catch (error) {
    return { reason: `chromium is not installed and "${command.join(' ')} install -y chromium" failed (${(error as Error).message.split('\n')[0]})` };
  }
  const installed = found();
  return installed ? { path: installed } : { reason: 'apt-get installed chromium but no chromium binary was found' };
}

// Any request off this machine fails (`MAP * ~NOTFOUND`): a self-contained page does not notice.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--hide-scrollbars', '--disable-background-networking', '--disable-extensions', '--host-resolver-rules=MAP * ~NOTFOUND'];

/** The DOM after the page loaded (scripts run), serialised. */
export async function dumpDom(chromium: string, file: string): Promise<string> {
  const { stdout } = await run(chromium, [...FLAGS, '--virtual-time-budget=2000', '--dump-dom', `file://${file}`], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A PNG screenshot of the page at `width`×`height`. */
export async function screenshot(chromium: string, file: string, png: string, width = 1200, height = 1600): Promise<Buffer> {
  await run(chromium, [...FLAGS, `--window-size=${width},${height}`, `--screenshot=${png}`, `file://${file}`], { timeout: 60_000 });
  return readFileSync(png);
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes) into rows of pixels. */
export function decodePng(png: Buffer): { width: number; height: number; channels: number; pixels: Buffer } {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colour = data[9];
      if (depth !== 8 || data[12] !== 0 || (colour !== 2 && colour !== 6)) throw new Error(`unsupported PNG (depth ${depth}, colour ${colour})`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      let value = line[x]!;
      if (filter === 1) value += a;
      else if (filter === 2) value += b;
      else if (filter === 3) value += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        value += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = value & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** How many distinct colours the image holds (a blank page has one). */
export function distinctColours(png: Buffer): number {
  const { channels, pixels } = decodePng(png);
  const seen = new Set<number>();
  for (let i = 0; i < pixels.length; i += channels) seen.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
  return seen.size;
}
