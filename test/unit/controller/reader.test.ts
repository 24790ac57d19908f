// The cached reader's read-your-writes rules, with in-memory caches and a counting stand-in for
// the GET calls (the running operator's caches are exercised by the integration tests).
import test from 'ava';
import type { V1Secret } from '@kubernetes/client-node';
import type { KubeClients } from '../../../operator/controller/kube.js';
import { Timings } from '../../../operator/controller/kube.js';
import { Reads } from '../../../operator/controller/reader.js';

const secret = (rv: string): V1Secret => ({ metadata: { name: 's', namespace: 'ns', resourceVersion: rv } });

function setup() {
  const state = { cached: undefined as V1Secret | undefined, live: undefined as V1Secret | undefined, gets: 0 };
  const notFound = Object.assign(new Error('not found'), { code: 404 });
  const clients = {
    core: {
      readNamespacedSecret: async () => {
        state.gets++;
        if (!state.live) throw notFound;
        return state.live;
      },
    },
  } as unknown as KubeClients;
  const none = () => undefined;
  const reads = new Reads(clients, { secret: () => state.cached, deployment: none, service: none });
  return { state, reads, read: reads.forReconcile(new Timings()) };
}

test('a cache hit costs no GET; a miss reads live', async (t) => {
  const { state, read } = setup();
  state.cached = secret('1');
  t.is((await read.secret('ns', 's'))?.metadata?.resourceVersion, '1');
  t.is(state.gets, 0);
  state.cached = undefined;
  state.live = secret('2');
  t.is((await read.secret('ns', 's'))?.metadata?.resourceVersion, '2', 'just created, not in the cache yet');
  t.is(state.gets, 1);
});

test('after the operator wrote an object, a cache still on the older version is not trusted', async (t) => {
  const { state, read } = setup();
  state.cached = secret('1');
  state.live = secret('2');
  read.wrote('secret', 'ns', 's', secret('2'));
  t.is((await read.secret('ns', 's'))?.metadata?.resourceVersion, '2');
  t.is(state.gets, 1);
  state.cached = secret('2');
  t.is((await read.secret('ns', 's'))?.metadata?.resourceVersion, '2', 'the cache caught up');
  t.is(state.gets, 1);
});

test('a later write by someone else, seen live, is what the cache has to reach', async (t) => {
  const { state, read } = setup();
  state.cached = secret('1');
  state.live = secret('3'); // e.g. the controller-manager wrote status after the operator's apply
  read.wrote('secret', 'ns', 's', secret('2'));
  await read.secret('ns', 's');
  state.cached = secret('3');
  await read.secret('ns', 's');
  t.is(state.gets, 1);
});

test('after a delete, the cached copy is not trusted', async (t) => {
  const { state, read } = setup();
  state.cached = secret('1');
  read.wrote('secret', 'ns', 's', undefined);
  t.is(await read.secret('ns', 's'), undefined);
  t.is(state.gets, 1);
});
