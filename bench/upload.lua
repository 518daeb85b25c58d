-- wrk script: POSTs a distinct valid 1 KB module per request.
-- The module is the empty module plus a custom section whose payload holds
-- the thread id and a counter, so every body has a different hash.
local counter = 0
local tid = 0
local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end

function init(args)
	tid = tonumber(wrk.thread:get("tid")) or 0
end

local function leb128(n)
	local out = ""
	repeat
		local byte = n % 128
		n = math.floor(n / 128)
		if n > 0 then byte = byte + 128 end
		out = out .. string.char(byte)
	until n == 0
	return out
end

request = function()
	counter = counter + 1
	local tag = string.format("%d-%d-", tid, counter)
	local payload = tag .. string.rep("x", 1000 - #tag)
	local content = string.char(1) .. "b" .. payload
	local body = "\0asm\1\0\0\0" .. string.char(0) .. leb128(#content) .. content
	local path = string.format("/api/v1/module/u/%d/%d.wasm", tid, counter)
	return wrk.format("POST", path, { ["Content-Type"] = "application/wasm" }, body)
end
