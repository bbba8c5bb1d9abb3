/** A generated organisation: `accounts` accounts spread over `environments` environments (also used by the bench). */
export function organisationConfig(accounts: number, environments: number) {
  const names = ['production', 'staging', 'development', 'sandbox', 'security', 'shared-services', 'data', 'ci', 'qa', 'demo'];
  const envs = Array.from({ length: environments }, (_, i) => ({
    name: names[i] ?? `environment-${i}`,
    accounts: [] as string[],
    sensitivity: i === 0 || i === 4 ? ('high' as const) : ('low' as const),
    response: i === 0 ? ('enforce' as const) : ('dry-run' as const),
  }));
  for (let i = 0; i < accounts; i++) envs[i % environments]!.accounts.push(String(100000000000 + i * 7919).padStart(12, '0'));
  return {
    environments: envs,
    protectedPrincipals: ['arn:aws:iam::*:role/BreakGlass*'],
    deployment: { organizationId: 'o-exampleorg1', centralAccount: '999999999999', centralRegion: 'eu-west-1', regions: ['eu-west-1'] },
  };
}
