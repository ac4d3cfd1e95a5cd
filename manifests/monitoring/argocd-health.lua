-- Argo CD health check for sluice.dev/StreamingApplication. Install it under
-- resource.customizations.health.sluice.dev_StreamingApplication in argocd-cm
-- (README.md, "Monitoring"). It reads only what the Sluice hook writes.
local hs = {}
local function condition(t)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == t then
      return c
    end
  end
  return nil
end

if obj.status == nil or obj.status.phase == nil then
  hs.status = "Progressing"
  hs.message = "waiting for the Sluice hook's first status"
  return hs
end
local generation = obj.metadata.generation or 0
local observed = obj.status.observedGeneration or 0
if observed < generation then
  hs.status = "Progressing"
  hs.message = "generation " .. generation .. " not yet observed by Sluice"
  return hs
end

local ready = condition("Ready")
local valid = condition("BlueprintValid")
local progressing = condition("Progressing")
local message = ""
if ready ~= nil and ready.message ~= nil then
  message = ready.message
end

if obj.status.phase == "Suspended" then
  hs.status = "Suspended"
  hs.message = message
elseif valid ~= nil and valid.status == "False" then
  hs.status = "Degraded"
  hs.message = valid.message
elseif obj.status.phase == "Failed" or obj.status.phase == "Degraded" or obj.status.phase == "Invalid" then
  hs.status = "Degraded"
  hs.message = message
elseif ready ~= nil and ready.status == "True" and (progressing == nil or progressing.status ~= "True") then
  hs.status = "Healthy"
  hs.message = message
else
  hs.status = "Progressing"
  if progressing ~= nil and progressing.status == "True" then
    hs.message = progressing.message
  else
    hs.message = message
  end
end
return hs
