/**
 * Catalogue: credential-access. Reading secrets, passwords and instance user
 * data is what applications do all day, so these calls are hits only in numbers
 * (`burst`) and only for a principal that does not usually make them.
 * Test cases stand beside it in `credential-access.cases.ts`.
 */
import type { CatalogueEntry } from './types.ts';
import { docs, elastic, panther, rp, sigma, stratus } from './types.ts';

export const CREDENTIAL_ACCESS: readonly CatalogueEntry[] = [
  {
    id: 'ec2.get-password-data-burst',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['GetPasswordData'],
    category: 'credential-access',
    severity: 'high',
    what: 'fetches the administrator passwords of Windows instances',
    burst: { threshold: 5, windowMinutes: 10, noun: 'password fetches' },
    sources: [docs('EC2 API Reference: GetPasswordData'), panther('AWS.EC2.ManyPasswordReadAttempts'), stratus('aws.credential-access.ec2-get-password-data')],
  },
  {
    id: 'ec2.download-user-data-burst',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['DescribeInstanceAttribute'],
    category: 'credential-access',
    severity: 'medium',
    what: 'downloads the user data (start-up scripts, often with secrets) of instances',
    when: { param: rp('attribute'), equals: 'userData' },
    burst: { threshold: 5, windowMinutes: 10, noun: 'user-data downloads' },
    sources: [docs('EC2 API Reference: DescribeInstanceAttribute'), panther('AWS.EC2.DownloadInstanceUserData'), sigma('aws_ec2_download_userdata.yml'), stratus('aws.discovery.ec2-download-user-data')],
  },
  {
    id: 'secretsmanager.get-secret-value-burst',
    eventSource: 'secretsmanager.amazonaws.com',
    eventNames: ['GetSecretValue'],
    category: 'credential-access',
    severity: 'medium',
    what: 'reads the values of many secrets',
    burst: { threshold: 10, windowMinutes: 10, noun: 'secret reads' },
    sources: [docs('Secrets Manager API Reference: GetSecretValue'), panther('AWS.SecretsManager.RetrieveSecrets'), elastic('AWS Secrets Manager Rapid Secrets Retrieval'), stratus('aws.credential-access.secretsmanager-retrieve-secrets')],
  },
  {
    id: 'secretsmanager.batch-get-secret-value-burst',
    eventSource: 'secretsmanager.amazonaws.com',
    eventNames: ['BatchGetSecretValue'],
    category: 'credential-access',
    severity: 'medium',
    what: 'reads the values of secrets in batches (up to 20 a call)',
    burst: { threshold: 3, windowMinutes: 10, countPath: rp('secretIdList'), noun: 'batch secret reads' },
    sources: [docs('Secrets Manager API Reference: BatchGetSecretValue'), panther('AWS.SecretsManager.BatchRetrieveSecrets'), stratus('aws.credential-access.secretsmanager-batch-retrieve-secrets')],
  },
  {
    id: 'ssm.get-parameters-decrypted-burst',
    eventSource: 'ssm.amazonaws.com',
    eventNames: ['GetParameter', 'GetParameters', 'GetParametersByPath'],
    category: 'credential-access',
    severity: 'medium',
    what: 'reads and decrypts many SecureString parameters',
    when: { param: rp('withDecryption'), equals: true },
    burst: { threshold: 10, windowMinutes: 10, countPath: rp('names'), noun: 'decrypted parameter reads' },
    sources: [docs('Systems Manager API Reference: GetParameters'), panther('AWS.SSM.DecryptSSMParams'), stratus('aws.credential-access.ssm-retrieve-securestring-parameters')],
  },
];
