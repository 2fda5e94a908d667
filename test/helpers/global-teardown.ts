import type { RunningServer } from '../../infra/servers';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as { __servers?: RunningServer[] }).__servers ?? [];
  await Promise.all(servers.map((s) => s.stop()));
}
