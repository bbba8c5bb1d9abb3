#!/usr/bin/env node
/**
 * CDK app entry (`cdk.json`: `npx tsx bin/app.ts`).
 *
 * Config: `-c config=path/to/blastwall.config.json`, else $BLASTWALL_CONFIG_FILE, else
 * `blastwall.config.json` at the repository root, else the committed
 * `blastwall.config.example.json`. An invalid file stops here, before any construct,
 * with the field named.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../functions/core/config.ts';
import { buildApp } from '../lib/app.ts';
import { CONFIG_CONTEXT_KEY, loadConfigFile, resolveConfigPath } from '../lib/config.ts';
import { parseCallAs, parseStackSetTargets, STACKSET_CALL_AS_CONTEXT, STACKSET_TARGETS_CONTEXT } from '../lib/member-stackset-stack.ts';

// The context the CLI passes (-c key=value) is only readable from an App. This one is
// never synthesised (autoSynth would overwrite the real app's manifest on exit).
const contextApp = new App({ autoSynth: false });
const resolved = resolveConfigPath({ context: contextApp.node.tryGetContext(CONFIG_CONTEXT_KEY) as unknown });

let loaded;
let stackSet;
try {
  loaded = loadConfigFile(resolved);
  const targets = parseStackSetTargets(contextApp.node.tryGetContext(STACKSET_TARGETS_CONTEXT));
  if (targets) stackSet = { targets, callAs: parseCallAs(contextApp.node.tryGetContext(STACKSET_CALL_AS_CONTEXT)) };
} catch (error) {
  if (error instanceof ConfigError || (error instanceof Error && error.message.startsWith('-c '))) {
    console.error(`blastwall: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
if (loaded.isExample) {
  console.error(`blastwall: no blastwall.config.json; synthesising from ${resolved.path} (placeholders, not deployable as is)`);
}

buildApp(loaded, stackSet ? { stackSet } : {}).app.synth();
