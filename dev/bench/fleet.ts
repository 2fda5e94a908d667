// npm run bench -- --fleet: not written yet.
export async function runFleet(argv: string[]): Promise<number> {
  console.error(`bench --fleet: not built yet (${argv.join(' ')})`);
  return 2;
}
