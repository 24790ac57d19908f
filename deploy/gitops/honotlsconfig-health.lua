-- Argo CD health check for hono.eclipse.org/HonoTlsConfig: the same reading of the status as
-- kstatus (Flux, kubectl wait), so both kinds of dashboard agree.
--   generation not yet observed, or Reconciling=True       -> Progressing
--   Stalled=True (cannot be satisfied without a user change) -> Degraded
--   Ready=True                                               -> Healthy
--   Ready=False otherwise (a retried, transient failure)     -> Progressing
-- Install: argocd-cm key resource.customizations.health.hono.eclipse.org_HonoTlsConfig
-- (deploy/gitops/README.md). Tested against live objects by test/integration/kstatus-health.test.ts.
local hs = { status = "Progressing", message = "Waiting for the operator to observe this HonoTlsConfig" }
if obj.status == nil then
  return hs
end
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.message = "Generation " .. generation .. " is not yet observed by the operator"
  return hs
end
local conditions = {}
for _, c in ipairs(obj.status.conditions or {}) do
  conditions[c.type] = c
end
local stalled, reconciling, ready = conditions["Stalled"], conditions["Reconciling"], conditions["Ready"]
if stalled ~= nil and stalled.status == "True" then
  return { status = "Degraded", message = stalled.message or stalled.reason or "Stalled" }
end
if reconciling ~= nil and reconciling.status == "True" then
  return { status = "Progressing", message = reconciling.message or reconciling.reason or "Reconciling" }
end
if ready ~= nil and ready.status == "True" then
  return { status = "Healthy", message = ready.message or "Ready" }
end
if ready ~= nil then
  hs.message = ready.message or ready.reason or "Not ready"
end
return hs
