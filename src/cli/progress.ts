// Progress for long commands: an elapsed-time line on stderr, only on a terminal, erased when the
// work ends, so piped output and logs stay clean.

export async function withProgress<T>(params: { label: string; work: Promise<T>; stream?: NodeJS.WriteStream }): Promise<T> {
  const stream = params.stream ?? process.stderr;
  if (!stream.isTTY) return params.work;
  const started = Date.now();
  const draw = () => stream.write(`\r${params.label} ${Math.round((Date.now() - started) / 1000)}s `);
  draw();
  const timer = setInterval(draw, 1000);
  try {
    return await params.work;
  } finally {
    clearInterval(timer);
    stream.write('\r\x1b[K');
  }
}
