/**
 * `blastwall.config.json`: one file read by the CLI, the Lambda functions (from AWS AppConfig at
 * cold start, functions/adapters/lambda-environment.ts) and the CDK app.
 *
 * The schema and its validation live in functions/core/config-schema.ts, re-exported here; this
 * module adds what only the CLI, the CDK app and the tests need: the file's text (JSON with
 * comments, jsonc-parser) and its JSON Schema (zod's generator). The Lambda functions import
 * config-schema.ts directly, so neither lands in their bundles (issue 13, cold start).
 */
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import * as z from 'zod/mini';
import { ConfigError, configSchema, parseConfig, type BlastwallConfig } from './config-schema.ts';

export * from './config-schema.ts';

/**
 * Parse the text of a config file: JSON with comments (`//` and `/* … *\/`) and trailing commas,
 * so the README example can be copied and annotated. jsonc-parser (the parser VS Code uses for
 * its own settings) rather than a hand-written comment stripper: it never touches strings and
 * reports each syntax error with its line and column.
 */
export function parseConfigText(text: string, source = 'blastwall.config.json'): BlastwallConfig {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  if (errors.length > 0) {
    const issues = errors.slice(0, 5).map((e) => {
      const { line, column } = lineColumn(text, e.offset);
      return `line ${line}, column ${column}: ${printParseErrorCode(e.error)}`;
    });
    throw new ConfigError(`${source} is not valid JSON: ${issues.join('; ')}`, issues.map((i) => `(root): ${i}`));
  }
  return parseConfig(value, source);
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * The config file's JSON Schema (draft 4, as AWS AppConfig's validators take it), generated from
 * the schema (config-schema.ts): AppConfig refuses a deployment that breaks it. Cross-field checks
 * (duplicate names and accounts) cannot be written in JSON Schema; the functions check them
 * when they read the config.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema(), { target: 'draft-4', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

