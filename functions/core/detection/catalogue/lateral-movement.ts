/**
 * Catalogue: lateral-movement — from the AWS API onto the instances:
 * pushing SSH keys, opening the serial console.
 * Test cases stand beside it in `lateral-movement.cases.ts`.
 */
import type { CatalogueEntry } from './types.ts';
import { docs, panther, stratus } from './types.ts';

export const LATERAL_MOVEMENT: readonly CatalogueEntry[] = [
  {
    id: 'ec2-instance-connect.send-ssh-public-key',
    eventSource: 'ec2-instance-connect.amazonaws.com',
    eventNames: ['SendSSHPublicKey'],
    category: 'lateral-movement',
    severity: 'medium',
    what: 'pushes an SSH key onto an instance (EC2 Instance Connect)',
    sources: [docs('EC2 Instance Connect API Reference: SendSSHPublicKey'), panther('AWS.EC2.MultiInstanceConnect'), stratus('aws.lateral-movement.ec2-instance-connect')],
  },
  {
    id: 'ec2-instance-connect.send-serial-console-ssh-public-key',
    eventSource: 'ec2-instance-connect.amazonaws.com',
    eventNames: ['SendSerialConsoleSSHPublicKey'],
    category: 'lateral-movement',
    severity: 'medium',
    what: "pushes an SSH key for an instance's serial console",
    sources: [docs('EC2 Instance Connect API Reference: SendSerialConsoleSSHPublicKey'), stratus('aws.lateral-movement.ec2-serial-console-send-ssh-public-key')],
  },
  {
    id: 'ec2.enable-serial-console',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['EnableSerialConsoleAccess'],
    category: 'lateral-movement',
    severity: 'medium',
    what: 'turns on serial console access for the account (a way onto instances that bypasses their network)',
    sources: [docs('EC2 API Reference: EnableSerialConsoleAccess'), stratus('aws.lateral-movement.ec2-serial-console-send-ssh-public-key')],
  },
];
