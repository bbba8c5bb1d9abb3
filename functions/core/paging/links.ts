/** Console links an on-call engineer clicks first. */
import type { Finding } from '../finding.ts';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ACCESS_KEY = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/;

/** CloudTrail event history of that region, filtered to one access key. */
export function cloudTrailLink(region: string, accessKeyId: string): string {
  const r = REGION.test(region) ? region : 'us-east-1';
  return `https://${r}.console.aws.amazon.com/cloudtrailv2/home?region=${r}#/events?AccessKeyId=${encodeURIComponent(accessKeyId)}`;
}

export interface PageLink {
  text: string;
  href: string;
}

/** One link per access key involved: the finding's credential first, then its lineage. */
export function findingLinks(finding: Finding): PageLink[] {
  const seen = new Set<string>();
  const links: PageLink[] = [];
  for (const cred of [finding.credential, ...finding.lineage]) {
    const key = cred.accessKeyId;
    if (!key || !ACCESS_KEY.test(key) || seen.has(key)) continue;
    seen.add(key);
    // The console shows the event history of the account you are signed in to: say which one.
    const account = cred.accountId && cred.accountId !== finding.account ? `account ${cred.accountId}, ` : '';
    links.push({ text: `CloudTrail events of ${key} (${account}${finding.region})`, href: cloudTrailLink(finding.region, key) });
  }
  return links;
}
