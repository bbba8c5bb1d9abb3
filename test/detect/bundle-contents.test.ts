/**
 * What the Lambda bundles must not carry (issue 13, cold start: V8 compiles every byte of the
 * bundle at init). Built with the esbuild options CDK uses (`BUNDLING`), read from esbuild's
 * metafile. Sizes and init times are the bench's (`npm run bench -- --only bundles`); this test
 * guards the two causes that were removed:
 * - jsonc-parser (the config file's text): the CLI's and the CDK app's, never a function's — the
 *   functions import functions/core/config-schema.ts, not config.ts;
 * - zod's classic API (and with it the JSON Schema generator) in detect: the config, rule and
 *   OU-cache schemas use zod's mini build. (respond, page and undo still validate their own
 *   payloads with the classic API: functions/respond/schema.ts, functions/core/paging/interaction.ts.)
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { BUNDLING } from '../../lib/constructs/blastwall-function.ts';

async function bundleInputs(name: string): Promise<string[]> {
  const result = await build({
    entryPoints: [`functions/${name}/handler.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLING.target,
    mainFields: BUNDLING.mainFields,
    external: BUNDLING.externalModules,
    minify: true,
    write: false,
    metafile: true,
    outfile: 'index.mjs',
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  // Only what ends up in the output (tree-shaken modules contribute no bytes).
  return Object.entries(output!.inputs)
    .filter(([, v]) => v.bytesInOutput > 0)
    .map(([path]) => path);
}

describe('Lambda bundles', () => {
  it.each(['detect', 'respond', 'page', 'undo'])('%s does not carry jsonc-parser (the config file text is the CLI\'s)', async (name) => {
    const inputs = await bundleInputs(name);
    expect(inputs.some((p) => p.startsWith('functions/'))).toBe(true);
    expect(inputs.filter((p) => p.includes('node_modules/jsonc-parser/'))).toEqual([]);
    expect(inputs).not.toContain('functions/core/config.ts');
  });

  it("detect carries zod's mini build only: not the classic API, not the JSON Schema generator", async () => {
    const inputs = await bundleInputs('detect');
    expect(inputs).toContain('node_modules/zod/v4/mini/schemas.js');
    expect(inputs.filter((p) => p.includes('node_modules/zod/v4/classic/'))).toEqual([]);
    expect(inputs.filter((p) => /node_modules\/zod\/v4\/core\/(to-json-schema|json-schema-processors|json-schema-generator)\.js$/.test(p))).toEqual([]);
  });
});
