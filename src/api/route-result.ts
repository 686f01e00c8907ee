/** What a route handler answers; shared by the router and the idempotency store. */
export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
