/** Paging core: pure, no I/O. */
export * from './routing.ts';
export * from './links.ts';
export * from './describe.ts';
export * from './page-state.ts';
export * from './render-text.ts';
export * from './slack-message.ts';
export * from './pagerduty-payload.ts';
export * from './signature.ts';
export * from './interaction.ts';
