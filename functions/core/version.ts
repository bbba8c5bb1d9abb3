/**
 * Blastwall's version, from package.json: printed by `blastwall --version` and written into
 * the findings it exports (ASFF `ProductFields`, OCSF `metadata.product.version`), so a
 * finding says which release produced it. esbuild inlines the JSON in the Lambda bundles
 * and the packaged CLI.
 */
import pkg from '../../package.json' with { type: 'json' };

export const BLASTWALL_VERSION: string = pkg.version;
