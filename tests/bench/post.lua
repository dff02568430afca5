-- post.lua - wrk: POST records with refs unique per thread and request
local counter = 0
local threads = {}
local body_tmpl = nil

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   local f = assert(io.open(os.getenv("BENCH_RECORD"), "rb"))
   body_tmpl = f:read("*a")
   f:close()
   wrk.headers["Content-Type"] = "application/xml"
   wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

function request()
   counter = counter + 1
   local ref = string.format("BENCH-%d-%d", tid, counter)
   local body = string.gsub(body_tmpl, "@REF@", ref)
   return wrk.format("POST", "/api/v1/records", nil, body)
end
