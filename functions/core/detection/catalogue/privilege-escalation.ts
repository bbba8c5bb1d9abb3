/**
 * Catalogue: privilege-escalation — taking over another identity's access.
 * (Granting administrator policies is in `identity-change`, where it has always
 * been, at high.) Test cases stand beside it in `privilege-escalation.cases.ts`.
 */
import type { CatalogueEntry } from './types.ts';
import { docs, panther, rp, sigma, stratus } from './types.ts';

export const PRIVILEGE_ESCALATION: readonly CatalogueEntry[] = [
  {
    id: 'iam.update-login-profile-of-another-user',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['UpdateLoginProfile'],
    category: 'privilege-escalation',
    severity: 'high',
    what: "changes another IAM user's console password",
    when: { param: rp('userName'), notCaller: true },
    sources: [
      docs('IAM API Reference: UpdateLoginProfile'),
      sigma('aws_update_login_profile.yml (AWS User Login Profile Was Modified, level high)'),
      panther('AWS.User.Login.Profile.Modified'),
      stratus('aws.privilege-escalation.iam-update-user-login-profile'),
    ],
    ownResourcePaths: [rp('userName')],
  },
];
