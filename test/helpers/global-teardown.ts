import type { RunningServer } from '../../dev/infra/servers';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as { __servers?: RunningServer[] }).__servers ?? [];
  await Promise.all(servers.map((s) => s.stop()));
}
