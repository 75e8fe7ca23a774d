export const SHARED_MODELS: string;
export const FIXTURE_MODELS: string;
export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}
export type RouteHandler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, rest: string) => void;
export function startServer(options?: {
  port?: number;
  host?: string;
  routes?: Record<string, string | RouteHandler>;
  headers?: Record<string, string>;
}): Promise<RunningServer>;
