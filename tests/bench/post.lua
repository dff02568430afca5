-- post.lua - wrk: POST records with refs unique per thread and request.
-- BENCH_BATCH=N sends a <batch> of N records per request.
local counter = 0
local threads = {}
local body_tmpl = nil
local batch = tonumber(os.getenv("BENCH_BATCH") or "1")

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   local f = assert(io.open(os.getenv("BENCH_RECORD"), "rb"))
   body_tmpl = f:read("*a")
   f:close()
   if batch > 1 then
      body_tmpl = string.gsub(body_tmpl, "^<%?xml[^>]*%?>%s*", "")
   end
   wrk.headers["Content-Type"] = "application/xml"
   wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

local function one()
   counter = counter + 1
   return (string.gsub(body_tmpl, "@REF@", string.format("BENCH-%d-%d", tid, counter)))
end

function request()
   if batch == 1 then
      return wrk.format("POST", "/api/v1/records", nil, one())
   end
   local parts = { '<batch xmlns="urn:nadzor:record:1">' }
   for i = 1, batch do parts[#parts + 1] = one() end
   parts[#parts + 1] = "</batch>"
   return wrk.format("POST", "/api/v1/records", nil, table.concat(parts))
end
