// The replay's yardstick, run as its own `node` process like the replay: reads every
// file given (a `.json.gz` CloudTrail log file), gunzips it, `JSON.parse`s it and walks
// its Records, counting those with an eventID. Prints the count. No detection, no
// normalising: the least any reader of these files must do.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

let count = 0;
for (const file of process.argv.slice(2)) {
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  for (const record of JSON.parse(text).Records) if (record.eventID) count++;
}
process.stdout.write(String(count));
