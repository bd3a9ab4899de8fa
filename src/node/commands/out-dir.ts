/**
 * Where the commands write when not told: ./splitee-out (run logs, the report, claims, caches). The one
 * place that names it; tests pass their own folders and never write there.
 */
export const DEFAULT_OUT = 'splitee-out';
