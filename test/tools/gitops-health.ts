// The health GitOps tools compute for a live HonoTlsConfig: the real kstatus library (through our
// test/tools/kstatus program) and the Argo CD health check shipped in deploy/gitops/ (real Lua).
import { luaHealth } from './lua.js';
import { runTool } from './tools.js';

const ARGO_HEALTH_LUA = 'deploy/gitops/honotlsconfig-health.lua';

export interface GitopsHealth {
  kstatus: string;
  kstatusMessage: string;
  argo: string;
  argoMessage: string;
}

/** kstatus and Argo CD health of one object as read (pass the live object). */
export async function gitopsHealth(live: unknown): Promise<GitopsHealth> {
  const r = await runTool('kstatus', [], { input: JSON.stringify(live) });
  if (r.code !== 0) throw new Error(`kstatus: ${r.stderr}`);
  const k = JSON.parse(r.stdout) as { status: string; message: string };
  const a = await luaHealth(ARGO_HEALTH_LUA, live);
  return { kstatus: k.status, kstatusMessage: k.message, argo: a.status, argoMessage: a.message };
}
