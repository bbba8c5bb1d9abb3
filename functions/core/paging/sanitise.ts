/**
 * Attacker text in pages. Every string that comes from an event — role session names,
 * web-identity subjects, user agents, resource names, error messages — is chosen by
 * whoever made the call. Before any of it reaches a terminal, Slack or PagerDuty it is
 * made inert here:
 *
 * - control characters (C0, DEL, C1), ANSI escape sequences and the Unicode bidi
 *   overrides / zero-width characters are removed (a terminal must not be re-coloured,
 *   cleared or have its title set; a line must not read backwards);
 * - for Slack mrkdwn, `&`, `<`, `>` are escaped (so `<!channel>`, `<@U…>`, `<url|text>`
 *   are text, not a broadcast, a mention or a disguised link), `@channel` / `@here` /
 *   `@everyone` get an invisible word joiner after the `@` (Slack does not parse them
 *   then), and a backtick cannot open or close a code span;
 * - truncation never cuts an entity, a code span, a preformatted block or a link in
 *   half, and says how much it dropped.
 *
 * Pure: no I/O.
 */

/** CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ST`), and two-character escapes. */
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[ -~]?)|\u009b[0-?]*[ -/]*[@-~]?/g;
/** C0 (except tab/newline, handled below), DEL, C1, zero-width and bidi controls, BOM. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const WORD_JOINER = '\u2060';

/** Removes ANSI escape sequences and control characters; newlines survive only when asked. */
export function stripControls(s: string, opts: { keepNewlines?: boolean } = {}): string {
  const out = String(s).replace(ANSI, '').replace(CONTROL, ' ');
  return opts.keepNewlines ? out.replace(/\r\n?/g, '\n').replace(/\t/g, ' ') : out.replace(/[\t\r\n]/g, ' ');
}

/** One line of plain text: no controls, no escapes, whitespace collapsed. */
export function plainOneLine(s: string): string {
  return stripControls(s).replace(/\s+/g, ' ').trim();
}

/** `@channel`, `@here`, `@everyone` (any case) can no longer notify anybody. */
export function neutraliseBroadcasts(s: string): string {
  return s.replace(/@(?=(channel|here|everyone)\b)/gi, `@${WORD_JOINER}`);
}

/**
 * Attacker text as Slack mrkdwn that shows exactly the text: controls removed, `&<>`
 * escaped, broadcasts neutralised, backticks replaced by a look-alike (ˋ) so no code span
 * opens or closes. Newlines are kept (callers put one item per line).
 */
export function escapeMrkdwn(s: string): string {
  return neutraliseBroadcasts(
    stripControls(s, { keepNewlines: true })
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/`/g, '\u02cb'),
  );
}

/** An identifier in an inline code span that nothing inside can close: one line, no backtick. */
export function codeSpan(s: string): string {
  const inner = escapeMrkdwn(plainOneLine(s).replace(/`/g, "'"));
  return `\`${inner || ' '}\``;
}

/** A preformatted block of lines (each line attacker text): no fence inside can close it. */
export function preformatted(lines: readonly string[]): string {
  return `\`\`\`${lines.map((l) => escapeMrkdwn(stripControls(l).replace(/`/g, "'"))).join('\n')}\`\`\``;
}

const ELLIPSIS = '…';

function droppedNote(chars: number): string {
  return `${ELLIPSIS} [truncated: ${chars} more characters not shown]`;
}

/** A cut index that does not split a UTF-16 surrogate pair. */
function safeIndex(s: string, index: number): number {
  if (index <= 0) return 0;
  const code = s.charCodeAt(index - 1);
  return code >= 0xd800 && code <= 0xdbff ? index - 1 : index;
}

/** Plain text (a plain_text object, a PagerDuty field) of at most `max` characters, saying what was cut. */
export function truncatePlain(s: string, max: number): string {
  if (s.length <= max) return s;
  const shortNote = ELLIPSIS;
  // Short limits (a header) only take the ellipsis; longer ones say how much was dropped.
  let note = max >= 80 ? droppedNote(s.length) : shortNote;
  let cut = safeIndex(s, Math.max(0, max - note.length));
  if (note !== shortNote) {
    note = droppedNote(s.length - cut);
    cut = safeIndex(s, Math.max(0, max - note.length));
    note = droppedNote(s.length - cut);
  }
  return `${s.slice(0, cut)}${note}`.slice(0, max);
}

/**
 * Slack mrkdwn of at most `max` characters. The cut never leaves an entity (`&amp;`), a
 * link (`<url|text>`), an inline code span or a preformatted block open: a partial
 * entity or link is dropped whole, an open inline span is dropped from its opening
 * backtick, an open preformatted block is closed. The end says how much was dropped.
 */
export function truncateMrkdwn(s: string, max: number): string {
  if (s.length <= max) return s;
  const FENCE = '```';
  let budget = max - droppedNote(s.length).length - FENCE.length;
  for (let round = 0; round < 3; round++) {
    let cut = safeIndex(s, Math.max(0, budget));
    let head = s.slice(0, cut);
    // An entity cut in half: `&am`.
    const amp = head.lastIndexOf('&');
    if (amp >= 0 && !head.slice(amp).includes(';') && head.length - amp < 8) head = head.slice(0, amp);
    // A link cut in half: `<https://…|tex`.
    const lt = head.lastIndexOf('<');
    if (lt >= 0 && head.indexOf('>', lt) < 0) head = head.slice(0, lt);
    // Fences first (``` blocks), then single backticks outside them.
    let closing = '';
    if ((head.split(FENCE).length - 1) % 2 === 1) {
      closing = `\n${FENCE}`;
    } else {
      const outside = head.split(FENCE).filter((_, i) => i % 2 === 0).join('');
      if ((outside.match(/`/g)?.length ?? 0) % 2 === 1) head = head.slice(0, head.lastIndexOf('`'));
    }
    cut = head.length;
    const out = `${head}${closing}\n${droppedNote(s.length - cut)}`;
    if (out.length <= max) return out;
    budget -= out.length - max;
  }
  return truncatePlain(stripMarkup(s), max);
}

function stripMarkup(s: string): string {
  return s.replace(/`/g, '');
}
