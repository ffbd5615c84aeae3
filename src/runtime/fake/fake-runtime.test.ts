/** The fake runtime keeps the Runtime contract as the Docker Engine does (see ../conformance.ts). */
import { describeRuntimeContract } from '../conformance.js';
import { FakeRuntime } from './fake-runtime.js';

const TINY_LABELS = { 'org.shiva.port': '8888', 'org.shiva.home': '/home/shiva', 'org.shiva.uid': '1000' };

describeRuntimeContract('FakeRuntime keeps the Runtime contract', async () => {
  const runtime = new FakeRuntime({ images: { 'shiva/tiny:latest': TINY_LABELS } });
  const unreachable = new FakeRuntime();
  unreachable.down = true;
  return {
    runtime,
    unreachable,
    image: 'shiva/tiny:latest',
    deployment: 'fake-conformance',
    home: '/nonexistent/home',
    kill: (id) => runtime.killFromOutside(id),
    close: () => runtime.closeAll(),
  };
});
