// Serves the benchmark's task images (Fashion-MNIST-sized PNG stand-ins) on 127.0.0.1; prints the port.
import { createServer } from 'node:http';

const images = Array.from({ length: 64 }, (_, i) => Buffer.alloc(300 + i * 7, i));
const server = createServer((req, res) => {
  const index = Number(/img-(\d+)/.exec(req.url ?? '')?.[1] ?? 0) % images.length;
  const body = images[index];
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
