// npm run bench -- --paced: not written yet.
export async function runPaced(argv: string[]): Promise<number> {
  console.error(`bench --paced: not built yet (${argv.join(' ')})`);
  return 2;
}
