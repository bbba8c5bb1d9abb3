/**
 * Test cases of `lateral-movement.ts` (see ./case.ts). Not imported by runtime code.
 */
import type { CatalogueCase } from './case.ts';

export const CASES: readonly CatalogueCase[] = [
  {
    entry: 'ec2-instance-connect.send-ssh-public-key',
    name: 'an SSH key pushed onto an instance',
    record: { eventName: 'SendSSHPublicKey', requestParameters: { instanceId: 'i-0a1b2c3d4e5f60718', instanceOSUser: 'ec2-user', sSHPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample' } },
    expect: { category: 'lateral-movement', severity: 'medium' },
  },
  {
    entry: 'ec2-instance-connect.send-serial-console-ssh-public-key',
    name: "an SSH key for an instance's serial console",
    record: { eventName: 'SendSerialConsoleSSHPublicKey', requestParameters: { instanceId: 'i-0a1b2c3d4e5f60718', serialPort: 0, sSHPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample' } },
    expect: { category: 'lateral-movement', severity: 'medium' },
  },
  {
    entry: 'ec2.enable-serial-console',
    name: 'serial console access turned on',
    record: { eventName: 'EnableSerialConsoleAccess', requestParameters: { EnableSerialConsoleAccessRequest: '' }, responseElements: { EnableSerialConsoleAccessResponse: { serialConsoleAccessEnabled: true } } },
    expect: { category: 'lateral-movement', severity: 'medium' },
  },
];
