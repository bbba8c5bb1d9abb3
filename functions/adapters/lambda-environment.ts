/**
 * What every function reads from the environment the CDK stack sets: one reader, so a
 * missing variable is reported the same way everywhere and the config is validated once.
 */
import { parseConfig, type BlastwallConfig } from '../core/config.ts';
import { ENV_VARS } from '../core/telemetry-names.ts';

/** The variable's value; throws naming the function and the variable when it is unset or empty. */
export function requiredEnv(functionName: string, name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${functionName}: environment variable ${name} is not set`);
  return value;
}

/** The whole validated blastwall.config.json the stack passes as `BLASTWALL_CONFIG`. */
export function configFromEnvironment(functionName: string): BlastwallConfig {
  return parseConfig(JSON.parse(requiredEnv(functionName, ENV_VARS.config)), ENV_VARS.config);
}
